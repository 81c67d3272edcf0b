/** Which exhibitor an exhibitor user works for: the event, then one of its exhibitors. */
import { useState } from "react";
import { SelectField } from "../../components/ui/Field";
import { useEventPicker } from "../events/queries";
import { useExhibitors } from "./queries";

export function ExhibitorPicker({ value, onChange, error }: { value: string; onChange: (exhibitorId: string) => void; error?: string | undefined }) {
  const events = useEventPicker();
  const [eventId, setEventId] = useState("");
  const exhibitors = useExhibitors(eventId);
  const options = exhibitors.data?.data ?? [];
  return (
    <>
      <SelectField
        label="Event"
        value={eventId}
        onChange={(e) => {
          setEventId(e.target.value);
          onChange("");
        }}
        hint={events.isError ? "The events could not be loaded" : undefined}
      >
        <option value="">Choose the event…</option>
        {(events.data ?? []).map((event) => (
          <option key={event.event_id} value={event.event_id}>
            {event.name}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Exhibitor"
        value={value}
        disabled={!eventId || exhibitors.isPending}
        error={error}
        hint={eventId && exhibitors.isSuccess && !options.length ? "This event has no exhibitors yet: add them on the event's Exhibitors tab." : "Their staff see this exhibitor's leads only."}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{eventId ? "Choose the exhibitor…" : "Choose an event first"}</option>
        {options.map((exhibitor) => (
          <option key={exhibitor.exhibitor_id} value={exhibitor.exhibitor_id}>
            {exhibitor.name}
          </option>
        ))}
      </SelectField>
    </>
  );
}
