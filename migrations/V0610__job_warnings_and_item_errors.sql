-- Jobs that tell the whole truth (issue 12).
--
-- jobs.warnings: what a job did not do as asked without failing an item, e.g. a CSV column
-- that matched no attendee field and was ignored: [{"code", "message", "column"?}].
--
-- job_item_errors: every failed item of a job, not only the first thousand that jobs.errors
-- keeps inline. The CSV import writes one row per refused spreadsheet row in its own
-- transaction (so a retried import never leaves the errors of an attempt that rolled back),
-- and GET /jobs/{job_id}/errors.csv reads them in order. Deleted with the job (retention).
ALTER TABLE jobs
    ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]' CONSTRAINT jobs_warnings_check CHECK (jsonb_typeof(warnings) = 'array');

CREATE TABLE job_item_errors (
    tenant_id   uuid NOT NULL,
    job_id      uuid NOT NULL,
    -- the order the errors are reported in (for an import: by spreadsheet row)
    position    integer NOT NULL CHECK (position >= 0),
    -- spreadsheet row number (header = 1) for an import row; NULL for other items
    row_number  integer CHECK (row_number >= 1),
    -- the attendee field at fault, and the file's header for it (what the person sees)
    field       text,
    column_name text,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT job_item_errors_pkey PRIMARY KEY (tenant_id, job_id, position),
    CONSTRAINT job_item_errors_job_fkey FOREIGN KEY (tenant_id, job_id) REFERENCES jobs (tenant_id, job_id) ON DELETE CASCADE
);
SELECT app_secure_tenant_table('job_item_errors');
