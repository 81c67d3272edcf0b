import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { Button } from "../../components/ui/Button";
import { TextField } from "../../components/ui/Field";
import { InlineError } from "../../components/ui/States";
import type { AttendeeOut } from "./queries";

const FIELDS = ["first_name", "last_name", "email", "phone", "org_name", "title", "linkedin_url"] as const;
type FieldName = (typeof FIELDS)[number];
export type AttendeeValues = Partial<Record<FieldName, string | null>>;

const LABELS: Record<FieldName, string> = {
  first_name: "First name",
  last_name: "Last name",
  email: "E-mail",
  phone: "Phone",
  org_name: "Organisation",
  title: "Job title",
  linkedin_url: "LinkedIn URL",
};

/** Values to send: on create, the filled fields; on edit, only the changed ones (null clears). */
export function attendeeBody(values: Record<FieldName, string>, before?: AttendeeOut): AttendeeValues {
  const body: AttendeeValues = {};
  for (const name of FIELDS) {
    const value = values[name].trim();
    if (!before) {
      if (value) body[name] = value;
    } else if (value !== (before[name] ?? "")) {
      body[name] = value || (name === "first_name" ? value : null);
    }
  }
  return body;
}

export function AttendeeForm({ attendee, onSubmit, onCancel }: { attendee?: AttendeeOut; onSubmit: (body: AttendeeValues) => Promise<unknown>; onCancel: () => void }) {
  const [values, setValues] = useState<Record<FieldName, string>>(() => Object.fromEntries(FIELDS.map((f) => [f, attendee?.[f] ?? ""])) as Record<FieldName, string>);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    if (!values.first_name.trim()) {
      setErrors({ first_name: "A first name is needed: the card shows it." });
      document.getElementById("attendee-first_name")?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await onSubmit(attendeeBody(values, attendee));
    } catch (error) {
      if (error instanceof ApiError && error.details.length) setErrors(error.fieldErrors());
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="form" noValidate aria-label={attendee ? "Edit the attendee" : "New attendee"}>
      <div className="form-grid">
        {FIELDS.map((name) => (
          <TextField
            key={name}
            id={`attendee-${name}`}
            label={LABELS[name]}
            required={name === "first_name"}
            type={name === "email" ? "email" : name === "phone" ? "tel" : name === "linkedin_url" ? "url" : "text"}
            autoComplete="off"
            value={values[name]}
            error={errors[name]}
            onChange={(e) => setValues({ ...values, [name]: e.target.value })}
          />
        ))}
      </div>
      <InlineError error={failure} />
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy}>
          {attendee ? "Save changes" : "Add attendee"}
        </Button>
      </div>
    </form>
  );
}
