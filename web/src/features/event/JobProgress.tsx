/** A job as it runs: status, a progress bar, the counts, why it failed, and its per-row errors
 * (shown, and downloadable as CSV). */
import { Button } from "../../components/ui/Button";
import { Badge } from "../../components/ui/Page";
import { ErrorState, Loading } from "../../components/ui/States";
import { saveBlob, toCsv } from "../../lib/download";
import { formatNumber } from "../../lib/time";
import { useJob, type JobOut } from "./queries";

const TONE = { scheduled: "neutral", queued: "neutral", running: "info", succeeded: "good", succeeded_with_errors: "warn", failed: "bad", cancelled: "neutral" } as const;
const LABEL = { scheduled: "Scheduled", queued: "Queued", running: "Running", succeeded: "Succeeded", succeeded_with_errors: "Succeeded with errors", failed: "Failed", cancelled: "Cancelled" } as const;
const KIND = { import: "Import", emails: "Card e-mails", passes: "Wallet passes", images: "Image" } as const;
const SHOWN_ERRORS = 50;

export function processed(job: JobOut): number {
  const c = job.counts;
  return job.kind === "import" ? c.created + c.updated + c.skipped + c.failed : c.succeeded + c.failed + c.skipped;
}

export function errorsCsv(job: JobOut): string {
  const extraKeys = [...new Set(job.errors.flatMap((e) => Object.keys(e).filter((k) => !["row", "field", "column", "reason"].includes(k))))];
  return toCsv(
    ["row", "column", "reason", ...extraKeys],
    job.errors.map((e) => [e.row ?? "", e.column ?? "", e.reason, ...extraKeys.map((k) => (e as Record<string, unknown>)[k] ?? "")]),
  );
}

export function JobView({ job }: { job: JobOut }) {
  const done = processed(job);
  const total = job.counts.total;
  const c = job.counts;
  return (
    <div className="job" aria-live="polite">
      <p className="job-title">
        {KIND[job.kind]} <Badge tone={TONE[job.status]}>{LABEL[job.status]}</Badge>
      </p>
      <label className="progress-label">
        <span className="visually-hidden">Progress</span>
        <progress max={Math.max(total, 1)} value={job.status === "succeeded" || job.status === "succeeded_with_errors" ? Math.max(total, 1) : Math.min(done, total)} />
        <span className="muted">
          {total ? `${formatNumber(done)} of ${formatNumber(total)}` : job.status === "queued" ? "Waiting to start…" : job.status === "running" ? "Counting…" : "Nothing to do"}
        </span>
      </label>
      <dl className="counts">
        {job.kind === "import" ? (
          <>
            <Count label="Created" value={c.created} />
            <Count label="Updated" value={c.updated} />
            <Count label="Unchanged or skipped" value={c.skipped} />
            <Count label="Failed" value={c.failed} />
          </>
        ) : (
          <>
            <Count label="Done" value={c.succeeded} />
            <Count label="Skipped" value={c.skipped} />
            <Count label="Failed" value={c.failed} />
          </>
        )}
      </dl>
      {job.error && (
        <p className="notice notice-bad" role="alert">
          {job.error.message} <code>{job.error.code}</code>
        </p>
      )}
      {job.errors.length > 0 && (
        <div className="job-errors">
          <div className="panel-header">
            <h3>
              {formatNumber(c.failed || job.errors.length)} {job.kind === "import" ? "row" : "item"}
              {(c.failed || job.errors.length) === 1 ? "" : "s"} with problems
            </h3>
            <Button onClick={() => saveBlob(new Blob([errorsCsv(job)], { type: "text/csv" }), `${job.kind}-${job.job_id}-errors.csv`)}>Download the errors (CSV)</Button>
          </div>
          <div className="table-scroll">
            <table className="table compact">
              <caption className="visually-hidden">Problems</caption>
              <thead>
                <tr>
                  {job.kind === "import" && <th scope="col">Row</th>}
                  {job.kind === "import" && <th scope="col">Column</th>}
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {job.errors.slice(0, SHOWN_ERRORS).map((error, index) => (
                  <tr key={`${error.row ?? ""}-${error.column ?? ""}-${index}`}>
                    {job.kind === "import" && <td className="num">{error.row ?? "—"}</td>}
                    {job.kind === "import" && <td>{error.column ?? "—"}</td>}
                    <td>{error.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {job.errors.length > SHOWN_ERRORS && <p className="muted">The first {SHOWN_ERRORS} are shown; the download has all {formatNumber(job.errors.length)}.</p>}
        </div>
      )}
    </div>
  );
}

function Count({ label, value }: { label: string; value: number }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{formatNumber(value)}</dd>
    </div>
  );
}

export function JobProgress({ jobId, onFinished }: { jobId: string; onFinished?: (job: JobOut) => void }) {
  const job = useJob(jobId, onFinished);
  if (job.isPending) return <Loading label="Looking up the job…" />;
  if (job.isError) return <ErrorState error={job.error} retry={() => void job.refetch()} title="The job's progress could not be read" />;
  return <JobView job={job.data} />;
}
