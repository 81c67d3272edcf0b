/** CSV import: drop a file (or choose one), it goes straight to S3 through the presigned URL
 * with live progress, then the import job runs; its per-row errors show here and download. */
import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type DragEvent } from "react";
import { Button } from "../../components/ui/Button";
import { InlineError } from "../../components/ui/States";
import { formatNumber } from "../../lib/time";
import { uploadFile } from "../../lib/upload";
import { JobProgress } from "./JobProgress";
import { attendeeKeys, useStartImport } from "./queries";

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

  const take = async (file: File | undefined) => {
    setProblem(null);
    if (!file) return;
    if (!/\.(csv|txt)$/i.test(file.name) && file.type !== "text/csv") {
      setProblem(new Error(`“${file.name}” is not a CSV file. Export the spreadsheet as CSV (comma, semicolon or tab separated) and try again.`));
      return;
    }
    if (file.size > MAX_BYTES) {
      setProblem(new Error(`“${file.name}” is ${formatNumber(Math.round(file.size / 1048576))} MB; the limit is 20 MB (200,000 rows). Split it into smaller files.`));
      return;
    }
    setUploading({ name: file.name, size: file.size, fraction: 0 });
    try {
      const started = await start.mutateAsync();
      if (!started.upload) throw new Error("The API did not give an upload address.");
      await uploadFile(started.upload, file, (fraction) => setUploading({ name: file.name, size: file.size, fraction }));
      sessionStorage.setItem(storageKey, started.job.job_id);
      setJobId(started.job.job_id);
    } catch (error) {
      setProblem(error);
    } finally {
      setUploading(null);
      if (input.current) input.current.value = "";
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
      <InlineError error={problem} />
      {jobId && !uploading && (
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
