/** Dates in the event's or the user's time zone, with the platform's Intl only. */

const FALLBACK_ZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"];

// ICU still lists some zones under their old names; people (and the API's events) use the new ones.
const MODERN_NAMES: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "America/Godthab": "America/Nuuk",
  "Pacific/Truk": "Pacific/Chuuk",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Enderbury": "Pacific/Kanton",
};

let zoneList: string[] | null = null;

/** Every IANA zone the browser knows, UTC first (computed once: pickers render it often). */
export function timeZones(): string[] {
  if (zoneList) return zoneList;
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  const zones = new Set((supported ? supported("timeZone") : FALLBACK_ZONES).map((zone) => MODERN_NAMES[zone] ?? zone));
  zones.delete("UTC");
  zoneList = ["UTC", ...[...zones].sort()];
  return zoneList;
}

/** The list with `zone` in it (an event's zone may be a name the browser lists differently). */
export function withZone(zones: string[], zone: string | null | undefined): string[] {
  return zone && !zones.includes(zone) ? [zone, ...zones] : zones;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const partFormats = new Map<string, Intl.DateTimeFormat>();

function partFormat(timeZone: string): Intl.DateTimeFormat {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
      second: "2-digit",
    });
    partFormats.set(timeZone, format);
  }
  return format;
}

function parts(utcMs: number, timeZone: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const part of partFormat(timeZone).formatToParts(new Date(utcMs))) if (part.type !== "literal") found[part.type] = Number(part.value);
  return found;
}

/** Minutes the zone is ahead of UTC at that instant (e.g. 120 for Europe/Berlin in summer). */
export function offsetMinutes(utcMs: number, timeZone: string): number {
  const p = parts(utcMs, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** "YYYY-MM-DDTHH:mm" (a datetime-local input's value) of an instant, as the wall clock in the zone. */
export function toWallTime(iso: string, timeZone: string): string {
  const p = parts(Date.parse(iso), timeZone);
  const two = (n: number | undefined) => String(n ?? 0).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

/** The instant (ISO 8601 with the zone's offset) of a wall-clock time in the zone. In a DST
 * gap the clock is moved forward; in an overlap the earlier instant is taken. */
export function fromWallTime(wall: string, timeZone: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
  if (!match) throw new Error(`not a date and time: ${wall}`);
  const [, y, mo, d, h, mi, s] = match;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  const hour = 3600_000;
  const candidates = [...new Set([offsetMinutes(asUtc - 14 * hour, timeZone), offsetMinutes(asUtc, timeZone), offsetMinutes(asUtc + 14 * hour, timeZone)])];
  const valid = candidates.filter((o) => offsetMinutes(asUtc - o * 60000, timeZone) === o);
  // An overlap has two valid offsets: the larger gives the earlier instant. A gap has none:
  // the offset before the change moves the clock forward past it.
  const chosen = valid.length ? Math.max(...valid) : Math.min(...candidates);
  const instant = asUtc - chosen * 60000;
  const offset = offsetMinutes(instant, timeZone);
  const local = new Date(instant + offset * 60000).toISOString().slice(0, 19);
  return `${local}${formatOffset(offset)}`;
}

const displayFormats = new Map<string, Intl.DateTimeFormat>();

function displayFormat(timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withTime}`;
  let format = displayFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, withTime ? { dateStyle: "medium", timeStyle: "short", timeZone } : { dateStyle: "medium", timeZone });
    displayFormats.set(key, format);
  }
  return format;
}

export function formatDateTime(iso: string | null | undefined, timeZone: string): string {
  return iso ? displayFormat(timeZone, true).format(new Date(iso)) : "—";
}

export function formatDate(iso: string | null | undefined, timeZone: string): string {
  return iso ? displayFormat(timeZone, false).format(new Date(iso)) : "—";
}

/** Today's date ("YYYY-MM-DD") in the zone, moved by `days`. */
export function dayInZone(timeZone: string, days = 0, now = Date.now()): string {
  const p = parts(now, timeZone);
  const date = new Date(Date.UTC(p.year!, p.month! - 1, p.day! + days));
  return date.toISOString().slice(0, 10);
}

const numbers = new Intl.NumberFormat();

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : numbers.format(value);
}

export function formatPercent(part: number, whole: number): string {
  if (!whole) return "—";
  return new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 }).format(part / whole);
}
