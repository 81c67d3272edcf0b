/** Notes, rating and tags of a lead: right after a scan on the Scan page, and when editing a lead
 * in the list. The rating is three big buttons (a radio group) for a thumb on a show floor. */
import { useId, useState, type FormEvent } from "react";
import { Button } from "../../components/ui/Button";
import { TextAreaField, TextField } from "../../components/ui/Field";
import type { LeadDetails, Rating } from "../scan/outbox";

export const RATINGS: { value: Rating; label: string }[] = [
  { value: "hot", label: "Hot" },
  { value: "warm", label: "Warm" },
  { value: "cold", label: "Cold" },
];

export function tagsFromText(text: string): string[] {
  return text.split(",").map((t) => t.trim()).filter(Boolean);
}

export function LeadDetailsForm({
  initial,
  onSubmit,
  submitLabel = "Save",
  onChange,
  busy = false,
}: {
  initial: LeadDetails;
  onSubmit: (details: LeadDetails) => void | Promise<void>;
  submitLabel?: string;
  /** Called on every edit (the Scan page keeps a form the person touched). */
  onChange?: () => void;
  busy?: boolean;
}) {
  const [notes, setNotes] = useState(initial.notes);
  const [rating, setRating] = useState<Rating | null>(initial.rating);
  const [tags, setTags] = useState(initial.tags.join(", "));
  const group = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void onSubmit({ notes, rating, tags: tagsFromText(tags) });
  };
  return (
    <form className="form lead-form" onSubmit={submit} aria-label="Lead details">
      <fieldset className="fieldset rating">
        <legend>Rating</legend>
        <div className="segmented">
          {RATINGS.map((r) => (
            <label key={r.value} className={`segment segment-${r.value}${rating === r.value ? " segment-on" : ""}`}>
              <input
                type="radio"
                name={`${group}-rating`}
                value={r.value}
                checked={rating === r.value}
                onChange={() => {
                  setRating(r.value);
                  onChange?.();
                }}
                onClick={() => {
                  // A second tap on the chosen rating clears it.
                  if (rating === r.value) {
                    setRating(null);
                    onChange?.();
                  }
                }}
              />
              {r.label}
            </label>
          ))}
        </div>
      </fieldset>
      <TextField
        label="Tags"
        hint="Separated by commas, e.g. demo, partner"
        value={tags}
        maxLength={900}
        autoComplete="off"
        onChange={(e) => {
          setTags(e.target.value);
          onChange?.();
        }}
      />
      <TextAreaField
        label="Notes"
        rows={3}
        maxLength={4000}
        value={notes}
        onChange={(e) => {
          setNotes(e.target.value);
          onChange?.();
        }}
      />
      <div className="form-actions">
        <Button type="submit" variant="primary" busy={busy}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
