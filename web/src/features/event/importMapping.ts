/** The column mapping of a CSV import, as the organiser settles it before importing: what the API
 * detected for each header (its preview without a mapping), what the organiser changed, and the
 * mapping the import is started with (only the changed headers: the API detects the rest the same
 * way again, and a short mapping fits the 2,000-character query parameter). */
import type { ApiError } from "../../api/errors";
import type { Schemas } from "../../api/client";

export type ImportPreview = Schemas["ImportPreview"];
export type ImportField = NonNullable<ImportPreview["mapping"][string]>;
/** A header's target: an attendee field, or null to leave the column out. */
export type Choice = ImportField | null;

export interface MappingState {
  header: string[];
  detected: Record<string, Choice>;
  chosen: Record<string, Choice>;
}

/** How many bytes of the file the preview is sent (the API reads up to 64 KiB). */
export const SAMPLE_BYTES = 64 * 1024;
/** The select's value for "Leave out" (a select's values are strings). */
export const LEAVE_OUT = "";

export function startMapping(preview: Pick<ImportPreview, "header" | "mapping">): MappingState {
  const detected: Record<string, Choice> = {};
  for (const header of preview.header) detected[header] = preview.mapping[header] ?? null;
  return { header: [...preview.header], detected, chosen: {} };
}

/** The organiser picks a target for one header (LEAVE_OUT for none); picking the detected one again
 * drops the change. */
export function choose(state: MappingState, header: string, value: string): MappingState {
  const target: Choice = value === LEAVE_OUT ? null : (value as ImportField);
  const chosen = { ...state.chosen };
  if (state.detected[header] === target) delete chosen[header];
  else chosen[header] = target;
  return { ...state, chosen };
}

/** Each header's target as it stands. */
export function currentMapping(state: MappingState): Record<string, Choice> {
  const mapping: Record<string, Choice> = {};
  for (const header of state.header) mapping[header] = header in state.chosen ? state.chosen[header]! : state.detected[header] ?? null;
  return mapping;
}

/** What the import (and a fresh preview) is sent: the changed headers only; null when nothing changed. */
export function mappingOverrides(state: MappingState): Record<string, Choice> | null {
  return Object.keys(state.chosen).length ? { ...state.chosen } : null;
}

/** Fields given by two columns, by the header to change: the one the organiser changed (or else the
 * later one). The API would refuse the file (422 CSV_DUPLICATE_COLUMN), so it is said at the column. */
export function conflicts(state: MappingState): Record<string, string> {
  const current = currentMapping(state);
  const byField = new Map<string, string[]>();
  for (const header of state.header) {
    const field = current[header];
    if (field) byField.set(field, [...(byField.get(field) ?? []), header]);
  }
  const found: Record<string, string> = {};
  for (const [field, headers] of byField) {
    if (headers.length < 2) continue;
    const changed = headers.filter((header) => header in state.chosen);
    const blamed = changed.length && changed.length < headers.length ? changed : headers.slice(1);
    const keeper = headers.find((header) => !blamed.includes(header))!;
    for (const header of blamed) found[header] = `“${keeper}” gives the ${field} field already: choose another field for one of them, or “Leave out”`;
  }
  return found;
}

/** The select's value for a target. */
export function choiceValue(choice: Choice): string {
  return choice ?? LEAVE_OUT;
}

/** The API's messages about the mapping (400 VALIDATION_ERROR, fields "mapping.<header>"), by header;
 * messages about the mapping as a whole under "". */
export function mappingErrors(error: unknown, header: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const details = (error as Partial<ApiError> | null)?.details;
  if (!Array.isArray(details)) return found;
  for (const detail of details) {
    const field = detail.field.replace(/^(query|body)\./, "");
    if (field === "mapping") found[""] ??= detail.reason;
    else if (field.startsWith("mapping.")) {
      const name = field.slice("mapping.".length);
      const key = header.find((h) => h.trim() === name.trim()) ?? "";
      found[key] ??= detail.reason;
    }
  }
  return found;
}

/** Data rows in a CSV's text: line breaks outside quotes, less the header row, blank lines not
 * counted (what the import counts, short of its encoding detection). */
export function countDataRows(text: string): number {
  let rows = 0;
  let quoted = false;
  let lineHasText = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === "\n" || c === "\r")) {
      if (lineHasText) rows++;
      lineHasText = false;
      continue;
    }
    if (c !== "\uFEFF" && c !== "\0" && c.trim() !== "") lineHasText = true;
  }
  if (lineHasText) rows++;
  return Math.max(0, rows - 1);
}

/** A file's text (FileReader: every browser has it, and so does the test DOM). */
export function readText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ""));
    reader.onerror = () => reject(reader.error ?? new Error("The file could not be read."));
    reader.readAsText(file);
  });
}
