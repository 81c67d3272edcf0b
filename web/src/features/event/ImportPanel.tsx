/** CSV import: drop a file (or choose one); its detected column mapping and first rows show (the
 * API's preview of the file's first 64 KiB) and the organiser can change the mapping; "Import"
 * then sends the file straight to S3 through the presigned URL with live progress, and the import
 * job runs; its per-row errors show here and download. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type DragEvent } from "react";
import { Button } from "../../components/ui/Button";
import { InlineError } from "../../components/ui/States";
import { formatNumber } from "../../lib/time";
import { uploadFile } from "../../lib/upload";
import { JobProgress } from "./JobProgress";
import {
  choiceValue,
  choose,
  conflicts,
  countDataRows,
  currentMapping,
  LEAVE_OUT,
  mappingErrors,
  mappingOverrides,
  readText,
  startMapping,
  type ImportPreview,
  type MappingState,
} from "./importMapping";
import { attendeeKeys, useImportPreview, useStartImport } from "./queries";

const MAX_BYTES = 20 * 1024 * 1024;
const COLUMNS = "email, first_name, last_name, phone, org_name, title, linkedin_url";

export function ImportPanel({ eventId }: { eventId: string }) {
  const storageKey = `outreachpass.import-job.${eventId}`;
  const [jobId, setJobId] = useState<string | null>(() => sessionStorage.getItem(storageKey));
  const [uploading, setUploading] = useState<{ name: string; size: number; fraction: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);
  const start = useStartImport(eventId);
  const client = useQueryClient();

  const [file, setFile] = useState<File | null>(null);
  const [rowCount, setRowCount] = useState<number | null>(null);
  const [mapping, setMapping] = useState<MappingState | null>(null);
  // The file's last good preview stays shown while a mapping the API refuses is on screen.
  const [shown, setShown] = useState<ImportPreview | null>(null);
  // Two columns for one field are said at the column; the API is not asked until that is settled.
  const clashes = mapping ? conflicts(mapping) : {};
  const clashing = Object.keys(clashes).length > 0;
  const preview = useImportPreview(eventId, file, mapping ? mappingOverrides(mapping) : null, !clashing);
  // The first answer (no mapping sent) is the detection the organiser's changes start from.
  useEffect(() => {
    if (!preview.data) return;
    setShown(preview.data);
    if (!mapping) setMapping(startMapping(preview.data));
  }, [preview.data, mapping]);

  const reset = () => {
    setFile(null);
    setRowCount(null);
    setMapping(null);
    setShown(null);
    if (input.current) input.current.value = "";
  };

  const take = async (chosen: File | undefined) => {
    setProblem(null);
    reset();
    if (!chosen) return;
    if (!/\.(csv|txt)$/i.test(chosen.name) && chosen.type !== "text/csv") {
      setProblem(new Error(`“${chosen.name}” is not a CSV file. Export the spreadsheet as CSV (comma, semicolon or tab separated) and try again.`));
      return;
    }
    if (chosen.size > MAX_BYTES) {
      setProblem(new Error(`“${chosen.name}” is ${formatNumber(Math.round(chosen.size / 1048576))} MB; the limit is 20 MB (200,000 rows). Split it into smaller files.`));
      return;
    }
    setFile(chosen);
    setRowCount(countDataRows(await readText(chosen)));
  };

  const startImport = async () => {
    if (!file || !mapping) return;
    setProblem(null);
    setUploading({ name: file.name, size: file.size, fraction: 0 });
    try {
      const started = await start.mutateAsync({ filename: file.name, mapping: mappingOverrides(mapping) });
      if (!started.upload) throw new Error("The API did not give an upload address.");
      await uploadFile(started.upload, file, (fraction) => setUploading({ name: file.name, size: file.size, fraction }));
      sessionStorage.setItem(storageKey, started.job.job_id);
      setJobId(started.job.job_id);
      reset();
    } catch (error) {
      setProblem(error);
    } finally {
      setUploading(null);
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void take(event.dataTransfer.files[0]);
  };

  return (
    <div className="import">
      <div
        className={`dropzone${dragging ? " dropzone-active" : ""}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p className="dropzone-title">Drop a CSV file of attendees here</p>
        <p className="muted">
          Columns: {COLUMNS} (common spellings such as “E-mail” or “Company” work too). Rows are matched on the e-mail address: importing the same file again changes nothing.
        </p>
        <input ref={input} id={`csv-${eventId}`} type="file" accept=".csv,text/csv,.txt" className="visually-hidden" onChange={(event) => void take(event.target.files?.[0])} />
        <Button variant="primary" onClick={() => input.current?.click()} disabled={Boolean(uploading)}>
          Choose a CSV file
        </Button>
      </div>
      {uploading && (
        <div className="job" aria-live="polite">
          <label className="progress-label">
            <span>Uploading {uploading.name}</span>
            <progress max={1} value={uploading.fraction} />
            <span className="muted">{Math.round(uploading.fraction * 100)}%</span>
          </label>
        </div>
      )}
      {file && (
        <MappingPreview
          file={file}
          rowCount={rowCount}
          preview={preview.data ?? shown}
          loading={preview.isFetching}
          error={preview.error ?? problem}
          clashes={clashes}
          refused={Boolean(preview.error) || clashing}
          mapping={mapping}
          busy={Boolean(uploading)}
          onChoose={(header, value) => {
            setProblem(null);
            setMapping((state) => (state ? choose(state, header, value) : state));
          }}
          onImport={() => void startImport()}
          onCancel={() => {
            setProblem(null);
            reset();
          }}
        />
      )}
      {!file && <InlineError error={problem} />}
      {jobId && !uploading && !file && (
        <JobProgress
          key={jobId}
          jobId={jobId}
          onFinished={() => {
            void client.invalidateQueries({ queryKey: attendeeKeys.all(eventId) });
          }}
        />
      )}
    </div>
  );
}

/** The short name of a field ("E-mail" of "E-mail (required; ...)"). */
function shortLabel(label: string): string {
  return label.split(" (")[0] ?? label;
}

function MappingPreview({
  file,
  rowCount,
  preview,
  loading,
  error,
  clashes,
  refused,
  mapping,
  busy,
  onChoose,
  onImport,
  onCancel,
}: {
  file: File;
  rowCount: number | null;
  preview: ImportPreview | null;
  loading: boolean;
  error: unknown;
  clashes: Record<string, string>;
  /** The preview refused the file or the mapping: nothing to import until it is changed. */
  refused: boolean;
  mapping: MappingState | null;
  busy: boolean;
  onChoose: (header: string, value: string) => void;
  onImport: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  if (!preview || !mapping) {
    return error ? (
      <div className="import-preview">
        <InlineError error={error} />
        <Button onClick={onCancel}>Choose another file</Button>
      </div>
    ) : (
      <div className="import-preview" role="status">
        Reading {file.name}…
      </div>
    );
  }
  const current = currentMapping(mapping);
  const fromApi = mappingErrors(error, mapping.header);
  const atField = { ...fromApi, ...clashes };
  const byHeader = Object.keys(fromApi).some((key) => key !== "");
  const labels = Object.fromEntries(preview.fields.map((choice) => [choice.field, shortLabel(choice.label)]));
  const shownFields = Object.keys(preview.rows[0]?.values ?? {});
  const rows = rowCount ?? preview.rows.length;
  return (
    <section className="import-preview" aria-labelledby={`${id}-title`} aria-busy={loading}>
      <h2 id={`${id}-title`} className="job-title">
        {file.name}: check the columns before importing
      </h2>
      <p className="muted">
        Each column of your file goes into the attendee field chosen here (recognised from its header). Choose “Leave out” for a column not to import.
      </p>
      <div className="table-scroll">
        <table className="table mapping-table">
          <caption className="visually-hidden">Column in your file, and the attendee field it imports into</caption>
          <thead>
            <tr>
              <th scope="col">Column in your file</th>
              <th scope="col">Field</th>
            </tr>
          </thead>
          <tbody>
            {mapping.header.map((header, index) => {
              const selectId = `${id}-column-${index}`;
              const message = atField[header];
              return (
                <tr key={`${index}:${header}`}>
                  <th scope="row">
                    <label htmlFor={selectId}>{header || `(column ${index + 1}, no header)`}</label>
                  </th>
                  <td>
                    <select
                      id={selectId}
                      value={choiceValue(current[header] ?? null)}
                      aria-invalid={message ? true : undefined}
                      aria-describedby={message ? `${selectId}-error` : undefined}
                      onChange={(event) => onChoose(header, event.target.value)}
                      disabled={busy}
                    >
                      <option value={LEAVE_OUT}>Leave out</option>
                      {preview.fields.map((choice) => (
                        <option key={choice.field} value={choice.field}>
                          {choice.label}
                        </option>
                      ))}
                    </select>
                    {message && (
                      <p className="field-error" id={`${selectId}-error`}>
                        {message}
                      </p>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {error && !byHeader ? <InlineError error={error} /> : null}
      {preview.warnings.length > 0 && (
        <ul className="import-warnings">
          {preview.warnings.map((warning) => (
            <li key={`${warning.code}:${warning.column ?? ""}`}>{warning.message}</li>
          ))}
        </ul>
      )}
      <h3 className="job-title">
        The first {formatNumber(preview.rows.length)} {preview.rows.length === 1 ? "row" : "rows"} as they would import
      </h3>
      <div className="table-scroll">
        <table className="table preview-rows">
          <caption className="visually-hidden">The first rows of {file.name} as they would import, with why a row would be refused</caption>
          <thead>
            <tr>
              <th scope="col">Row</th>
              {shownFields.map((field) => (
                <th scope="col" key={field}>
                  {labels[field] ?? field}
                </th>
              ))}
              <th scope="col">Problems</th>
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row) => (
              <tr key={row.row} className={row.problems.length ? "row-refused" : undefined}>
                <td>{row.row}</td>
                {shownFields.map((field) => (
                  <td key={field}>{row.values[field] ?? ""}</td>
                ))}
                <td>
                  {row.problems.length
                    ? row.problems.map((problem) => `${problem.column ?? problem.field ?? "Row"}: ${problem.reason}`).join("; ")
                    : row.needs_first_name
                      ? "No first name: updates an attendee who exists already, or is refused"
                      : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="form-actions">
        <Button variant="primary" onClick={onImport} disabled={busy || loading || refused}>
          Import {formatNumber(rows)} {rows === 1 ? "row" : "rows"}
        </Button>
        <Button onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </section>
  );
}
