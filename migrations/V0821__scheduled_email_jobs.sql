-- Scheduled card e-mails, cancellable while they wait; suppressed recipients counted (issue 17).
--
-- jobs.status gains
--   scheduled  an e-mail job waiting for jobs.scheduled_for; the email_schedule job (every
--              minute) releases it: audience resolved, template fixed, batches queued, `queued`;
--   cancelled  a scheduled job cancelled before its time (POST /jobs/{job_id}/cancel). It never
--              ran; retention purges it after 7 days like a succeeded job.
-- jobs.suppressed: of the skipped items, those whose address is on the tenant's suppression list
-- (bounced, complained, unsubscribed, or added by hand).
ALTER TABLE jobs DROP CONSTRAINT jobs_status_check;
ALTER TABLE jobs
    ADD CONSTRAINT jobs_status_check
        CHECK (status IN ('scheduled', 'queued', 'running', 'succeeded', 'failed', 'cancelled')),
    ADD COLUMN scheduled_for timestamptz,
    ADD COLUMN suppressed integer NOT NULL DEFAULT 0 CONSTRAINT jobs_suppressed_check CHECK (suppressed >= 0),
    ADD CONSTRAINT jobs_scheduled_for_check CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL);

-- What the release looks for, across tenants: small (only waiting jobs are in it).
CREATE INDEX idx_jobs_scheduled_due ON jobs (scheduled_for) WHERE status = 'scheduled';

-- The scheduled jobs due at p_now, of active tenants, oldest due first: the release then locks and
-- releases each in its tenant's transaction (RLS). A disabled tenant's jobs wait: enabling the
-- tenant again sends them (or they can be cancelled).
CREATE FUNCTION app_due_scheduled_jobs(p_now timestamptz, p_limit integer DEFAULT 100)
    RETURNS TABLE (tenant_id uuid, job_id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT j.tenant_id, j.job_id
    FROM jobs j
    JOIN tenants t ON t.tenant_id = j.tenant_id
    WHERE j.status = 'scheduled' AND j.scheduled_for <= p_now AND t.status = 'active'
    ORDER BY j.scheduled_for, j.job_id
    LIMIT greatest(least(p_limit, 1000), 1)
$$;
REVOKE EXECUTE ON FUNCTION app_due_scheduled_jobs(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_due_scheduled_jobs(timestamptz, integer) TO outreachpass_app;

-- V0500's retention batch, with cancelled jobs purged after 7 days like succeeded ones (the
-- rest of the body is V0500's).
CREATE OR REPLACE FUNCTION app_purge_expired_batch(p_now timestamptz, p_limit integer)
    RETURNS TABLE (table_name text, deleted bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 100000 THEN
        RAISE EXCEPTION 'p_limit must be between 1 and 100000';
    END IF;

    DELETE FROM message_contexts WHERE message_id IN (
        SELECT message_id FROM message_contexts WHERE expires_at <= p_now LIMIT p_limit);
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'message_contexts'; deleted := n; RETURN NEXT;

    DELETE FROM jobs WHERE job_id IN (
        SELECT job_id FROM jobs
        WHERE (status IN ('succeeded', 'cancelled') AND coalesce(finished_at, updated_at) < p_now - interval '7 days')
           OR (status = 'failed' AND coalesce(finished_at, updated_at) < p_now - interval '30 days')
        LIMIT p_limit);
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'jobs'; deleted := n; RETURN NEXT;

    DELETE FROM audit_log WHERE audit_id IN (
        SELECT audit_id FROM audit_log WHERE occurred_at < p_now - interval '2 years' LIMIT p_limit);
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'audit_log'; deleted := n; RETURN NEXT;
END
$$;
