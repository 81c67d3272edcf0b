/** Create or edit an event: name, address (slug), dates in the event's own time zone, time
 * zone and brand pickers; the API's validation messages appear at their fields. */
import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/errors";
import { Button } from "../../components/ui/Button";
import { TimeZoneOptions } from "../../components/ui/TimeZoneOptions";
import { SelectField, TextField } from "../../components/ui/Field";
import { InlineError } from "../../components/ui/States";
import { browserTimeZone, formatOffset, fromWallTime, offsetMinutes, toWallTime } from "../../lib/time";
import type { EventOut } from "./queries";

export interface EventFormValues {
  name: string;
  slug: string;
  starts_at: string;
  ends_at: string;
  timezone: string;
  status: "draft" | "active";
  brand_id?: string;
}

export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/['’]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/g, "");
}

interface Props {
  event?: EventOut;
  brands?: { brand_id: string; display_name: string | null; brand_key: string }[];
  onSubmit: (values: EventFormValues) => Promise<unknown>;
  onCancel: () => void;
}

export function EventForm({ event, brands, onSubmit, onCancel }: Props) {
  const [name, setName] = useState(event?.name ?? "");
  const [slug, setSlug] = useState(event?.slug ?? "");
  const [slugTouched, setSlugTouched] = useState(Boolean(event));
  const [timezone, setTimezone] = useState(event?.timezone ?? browserTimeZone());
  const [starts, setStarts] = useState(event ? toWallTime(event.starts_at, event.timezone) : "");
  const [ends, setEnds] = useState(event ? toWallTime(event.ends_at, event.timezone) : "");
  const [status, setStatus] = useState<"draft" | "active">(event?.status === "active" ? "active" : "draft");
  const [brandId, setBrandId] = useState(event?.brand_id ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const validate = (): Record<string, string> => {
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = "Give the event a name.";
    if (!slug) found.slug = "Give the event a web address (letters, numbers and dashes).";
    else if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) found.slug = "Use lower-case letters, numbers and single dashes, e.g. spring-summit-2030.";
    if (!starts) found.starts_at = "When does it start?";
    if (!ends) found.ends_at = "When does it end?";
    if (starts && ends && ends <= starts) found.ends_at = "The end must be after the start.";
    return found;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = validate();
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) {
      document.getElementById(`event-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const values: EventFormValues = {
        name: name.trim(),
        slug,
        timezone,
        status,
        starts_at: fromWallTime(starts, timezone),
        ends_at: fromWallTime(ends, timezone),
      };
      if (brandId) values.brand_id = brandId;
      await onSubmit(values);
    } catch (error) {
      // The API's messages go to their fields; the error itself (message and code) shows below.
      if (error instanceof ApiError) {
        const fields = error.fieldErrors();
        if (error.code === "EVENT_SLUG_TAKEN") fields.slug = error.message;
        setErrors(fields);
        const first = Object.keys(fields)[0];
        if (first) document.getElementById(`event-${first}`)?.focus();
      }
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const offset = starts ? formatOffset(offsetMinutes(Date.parse(fromWallTime(starts, timezone)), timezone)) : null;
  return (
    <form onSubmit={submit} className="form" noValidate aria-label={event ? "Edit the event" : "New event"}>
      <TextField
        id="event-name"
        label="Name"
        required
        maxLength={200}
        value={name}
        error={errors.name}
        onChange={(e) => {
          setName(e.target.value);
          if (!slugTouched) setSlug(slugify(e.target.value));
        }}
      />
      <TextField
        id="event-slug"
        label="Web address"
        required
        maxLength={80}
        value={slug}
        error={errors.slug}
        hint="Lower-case letters, numbers and dashes; unique in your organisation."
        onChange={(e) => {
          setSlugTouched(true);
          setSlug(e.target.value);
        }}
      />
      <SelectField id="event-timezone" label="Time zone" value={timezone} error={errors.timezone} hint="The event's dates are in this zone, and so are its analytics." onChange={(e) => setTimezone(e.target.value)}>
        <TimeZoneOptions include={event?.timezone} />
      </SelectField>
      <div className="form-row">
        <TextField id="event-starts_at" label="Starts" type="datetime-local" required value={starts} error={errors.starts_at} hint={offset ? `UTC${offset}` : undefined} onChange={(e) => setStarts(e.target.value)} />
        <TextField id="event-ends_at" label="Ends" type="datetime-local" required value={ends} error={errors.ends_at} onChange={(e) => setEnds(e.target.value)} />
      </div>
      <div className="form-row">
        <SelectField id="event-status" label="Status" value={status} error={errors.status} onChange={(e) => setStatus(e.target.value as "draft" | "active")}>
          <option value="draft">Draft</option>
          <option value="active">Active</option>
        </SelectField>
        {brands && brands.length > 0 && (
          <SelectField id="event-brand_id" label="Brand" value={brandId} error={errors.brand_id} onChange={(e) => setBrandId(e.target.value)}>
            {!event && <option value="">Default brand</option>}
            {brands.map((brand) => (
              <option key={brand.brand_id} value={brand.brand_id}>
                {brand.display_name || brand.brand_key}
              </option>
            ))}
          </SelectField>
        )}
      </div>
      <InlineError error={failure} />
      <div className="form-actions">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy}>
          {event ? "Save changes" : "Create event"}
        </Button>
      </div>
    </form>
  );
}
