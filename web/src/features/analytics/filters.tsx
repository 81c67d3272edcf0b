/** The analytics filters shared by the dashboard and the analytics page: event, date range and
 * time zone, kept in the address (a filtered view can be bookmarked or shared). Choosing an
 * event switches to the event's time zone. */
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { TimeZoneOptions } from "../../components/ui/TimeZoneOptions";
import { SelectField, TextField } from "../../components/ui/Field";
import { browserTimeZone, dayInZone, isTimeZone } from "../../lib/time";
import { useEventPicker } from "../events/queries";

export const PRESETS = [
  { id: "7d", label: "Last 7 days", days: 7 },
  { id: "30d", label: "Last 30 days", days: 30 },
  { id: "90d", label: "Last 90 days", days: 90 },
  { id: "365d", label: "Last 12 months", days: 365 },
] as const;

export interface AnalyticsQuery {
  event_id?: string;
  from: string;
  to: string;
  tz: string;
}

export type Interval = "hour" | "day" | "week";

export function intervalFor(from: string, to: string): Interval {
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  return days <= 2 ? "hour" : days <= 120 ? "day" : "week";
}

export function useAnalyticsFilters() {
  const [params, setParams] = useSearchParams();
  const events = useEventPicker();
  const eventId = params.get("event") ?? "";
  const event = events.data?.find((e) => e.event_id === eventId);
  const tzParam = params.get("tz");
  const tz = tzParam && isTimeZone(tzParam) ? tzParam : (event?.timezone ?? browserTimeZone());
  const range = params.get("range") ?? "30d";
  const preset = PRESETS.find((p) => p.id === range);
  const from = preset ? dayInZone(tz, -(preset.days - 1)) : (params.get("from") ?? dayInZone(tz, -29));
  const to = preset ? dayInZone(tz) : (params.get("to") ?? dayInZone(tz));
  const query = useMemo<AnalyticsQuery>(() => ({ ...(eventId ? { event_id: eventId } : {}), from, to, tz }), [eventId, from, to, tz]);

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "") next.delete(key);
      else next.set(key, value);
    }
    setParams(next, { replace: true });
  };
  return { query, eventId, event, events, range, tz, update };
}

export function AnalyticsFilters({ filters }: { filters: ReturnType<typeof useAnalyticsFilters> }) {
  const { query, eventId, events, range, tz, update } = filters;
  return (
    <form className="filters" aria-label="Report filters" onSubmit={(e) => e.preventDefault()}>
      <SelectField label="Event" value={eventId} onChange={(e) => update({ event: e.target.value, tz: null })} hint={events.isError ? "The events could not be loaded" : undefined}>
        <option value="">All events</option>
        {(events.data ?? []).map((e) => (
          <option key={e.event_id} value={e.event_id}>
            {e.name}
            {e.status === "archived" ? " (archived)" : ""}
          </option>
        ))}
      </SelectField>
      <SelectField label="Dates" value={range} onChange={(e) => update(e.target.value === "custom" ? { range: "custom", from: query.from, to: query.to } : { range: e.target.value, from: null, to: null })}>
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom…</option>
      </SelectField>
      {range === "custom" && (
        <>
          <TextField label="From" type="date" value={query.from} max={query.to} onChange={(e) => e.target.value && update({ from: e.target.value })} />
          <TextField label="To" type="date" value={query.to} min={query.from} onChange={(e) => e.target.value && update({ to: e.target.value })} />
        </>
      )}
      <SelectField label="Time zone" value={tz} onChange={(e) => update({ tz: e.target.value })}>
        <TimeZoneOptions include={tz} />
      </SelectField>
    </form>
  );
}
