-- Analytics at scale (issue 8): the incremental rollup, its watermark, corrections of
-- rows that change after they were counted, and the bookkeeping of retention.
--
-- How the numbers stay exact
-- --------------------------
-- Every raw analytics row gets `ingest_xid`: the 64-bit id of the transaction that
-- inserted it (pg_current_xact_id(), the column default). The rollup job reads
--     X = pg_snapshot_xmin(pg_current_snapshot())
-- Every transaction with an id below X has ended, so the set of committed rows with
-- ingest_xid < X is final: no straggler can still appear in it, however late its
-- occurred_at or however long its inserting transaction ran. (Identity ids alone cannot
-- promise this: ids are handed out at insert but become visible at commit, in another
-- order; an ingestion timestamp needs a guessed safety window.)
--
-- The job walks each tenant's rows in (ingest_xid, id) order and adds them to the
-- rollups; analytics_rollup_state.(watermark_xid, watermark_id) is the last key counted.
-- A report reads, in ONE statement (one snapshot):
--     rollup rows + raw rows whose key is above the watermark (the tail)
-- so each row is counted exactly once: in the rollup or in the tail, never both.
--
-- Rows that change after they were counted (the email engineer re-classifies a burst of
-- clicks as machine after the fact) are handled by app_analytics_reingest(): an UPDATE of
-- a counted column moves the row to a new key (it is counted again, as it is now) and,
-- when its old version is already in the rollup, writes a retraction (the old version,
-- counted -1 at the same new key). The trigger decides "already in the rollup" under a
-- share lock on the tenant's state row, which the rollup holds FOR UPDATE while it
-- counts, so the decision cannot race the rollup.
--
-- Why the raw tables are not partitioned here: a partitioned table's primary key and
-- unique indexes must contain the partition key, which breaks email_events' dedupe
-- index (tenant_id, dedupe_key) that the SES consumer's ON CONFLICT relies on, and the
-- reports never scan raw months (rollup + edges + tail). The rollups are small; the raw
-- tables are reached through (tenant_id, occurred_at) and (tenant_id, ingest_xid, id).

-- ---------------------------------------------------------------------------------
-- The ingest key of every raw analytics row
-- ---------------------------------------------------------------------------------
ALTER TABLE email_events ADD COLUMN ingest_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE card_view_events ADD COLUMN ingest_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE wallet_pass_events ADD COLUMN ingest_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE contact_export_events ADD COLUMN ingest_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
COMMENT ON COLUMN email_events.ingest_xid IS
    'Transaction that inserted (or re-ingested) the row: the analytics rollup watermark key with the id. Never set it.';
COMMENT ON COLUMN card_view_events.ingest_xid IS
    'Transaction that inserted (or re-ingested) the row: the analytics rollup watermark key with the id. Never set it.';
COMMENT ON COLUMN wallet_pass_events.ingest_xid IS
    'Transaction that inserted (or re-ingested) the row: the analytics rollup watermark key with the id. Never set it.';
COMMENT ON COLUMN contact_export_events.ingest_xid IS
    'Transaction that inserted (or re-ingested) the row: the analytics rollup watermark key with the id. Never set it.';

-- ---------------------------------------------------------------------------------
-- analytics_rollup_state: per tenant and raw table, the last key counted
-- ---------------------------------------------------------------------------------
CREATE TABLE analytics_rollup_state (
    tenant_id       uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    source          text NOT NULL CONSTRAINT analytics_rollup_state_source_check CHECK (source IN (
                        'email_events', 'card_view_events', 'wallet_pass_events', 'contact_export_events')),
    -- every row with (ingest_xid, id) <= (watermark_xid, watermark_id) is in the rollups
    watermark_xid   xid8 NOT NULL DEFAULT '0',
    watermark_id    bigint NOT NULL DEFAULT 0,
    rows_counted    bigint NOT NULL DEFAULT 0 CHECK (rows_counted >= 0),
    rolled_up_at    timestamptz,
    -- raw rows before this instant were archived to S3 and deleted (their counts stay in
    -- the rollups; distinct counts over that period can no longer be computed)
    archived_before timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, source)
);
SELECT app_secure_tenant_table('analytics_rollup_state');

-- ---------------------------------------------------------------------------------
-- analytics_retractions: old versions of counted rows that changed (count -1)
-- ---------------------------------------------------------------------------------
CREATE TABLE analytics_retractions (
    retraction_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    source        text NOT NULL CONSTRAINT analytics_retractions_source_check CHECK (source IN (
                      'email_events', 'card_view_events', 'wallet_pass_events', 'contact_export_events')),
    -- the row's id and its NEW ingest key: the retraction sorts with the re-ingested row
    row_id        bigint NOT NULL,
    ingest_xid    xid8 NOT NULL DEFAULT pg_current_xact_id(),
    old_row       jsonb NOT NULL CHECK (jsonb_typeof(old_row) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_analytics_retractions_key ON analytics_retractions (tenant_id, source, ingest_xid, row_id);
SELECT app_secure_tenant_table('analytics_retractions');

-- BEFORE UPDATE of a counted column (the trigger's WHEN clause lists them per table).
-- TG_ARGV[0]: the table's id column.
CREATE FUNCTION app_analytics_reingest() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    old_key_xid xid8 := OLD.ingest_xid;
    row_id      bigint := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    counted     boolean;
BEGIN
    -- Waits while a rollup of this tenant and table is counting (it holds the row FOR UPDATE).
    SELECT (old_key_xid, row_id) <= (s.watermark_xid, s.watermark_id) INTO counted
    FROM analytics_rollup_state s
    WHERE s.tenant_id = OLD.tenant_id AND s.source = TG_TABLE_NAME
    FOR SHARE;
    NEW.ingest_xid := pg_current_xact_id();
    IF coalesce(counted, false) THEN
        INSERT INTO analytics_retractions (tenant_id, source, row_id, ingest_xid, old_row)
        VALUES (OLD.tenant_id, TG_TABLE_NAME, row_id, NEW.ingest_xid, to_jsonb(OLD));
    END IF;
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION app_analytics_reingest() FROM PUBLIC, outreachpass_app;

CREATE TRIGGER analytics_reingest BEFORE UPDATE ON email_events FOR EACH ROW
    WHEN (OLD.event_type IS DISTINCT FROM NEW.event_type
          OR OLD.classification IS DISTINCT FROM NEW.classification
          OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at
          OR OLD.event_id IS DISTINCT FROM NEW.event_id
          OR (OLD.metadata_json ->> 'source') IS DISTINCT FROM (NEW.metadata_json ->> 'source'))
    EXECUTE FUNCTION app_analytics_reingest('email_event_id');
CREATE TRIGGER analytics_reingest BEFORE UPDATE ON card_view_events FOR EACH ROW
    WHEN (OLD.source_type IS DISTINCT FROM NEW.source_type
          OR OLD.device_type IS DISTINCT FROM NEW.device_type
          OR OLD.browser IS DISTINCT FROM NEW.browser
          OR OLD.os IS DISTINCT FROM NEW.os
          OR OLD.is_unique IS DISTINCT FROM NEW.is_unique
          OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at
          OR OLD.event_id IS DISTINCT FROM NEW.event_id)
    EXECUTE FUNCTION app_analytics_reingest('view_event_id');
CREATE TRIGGER analytics_reingest BEFORE UPDATE ON wallet_pass_events FOR EACH ROW
    WHEN (OLD.platform IS DISTINCT FROM NEW.platform
          OR OLD.event_type IS DISTINCT FROM NEW.event_type
          OR OLD.device_type IS DISTINCT FROM NEW.device_type
          OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at
          OR OLD.event_id IS DISTINCT FROM NEW.event_id)
    EXECUTE FUNCTION app_analytics_reingest('wallet_event_id');
CREATE TRIGGER analytics_reingest BEFORE UPDATE ON contact_export_events FOR EACH ROW
    WHEN (OLD.export_type IS DISTINCT FROM NEW.export_type
          OR OLD.device_type IS DISTINCT FROM NEW.device_type
          OR OLD.occurred_at IS DISTINCT FROM NEW.occurred_at
          OR OLD.event_id IS DISTINCT FROM NEW.event_id)
    EXECUTE FUNCTION app_analytics_reingest('export_event_id');

-- ---------------------------------------------------------------------------------
-- analytics_hourly: per UTC hour, event and metric, the total (no breakdowns). Time
-- series in any time zone read it where an hour lies inside one local bucket.
-- ---------------------------------------------------------------------------------
CREATE TABLE analytics_hourly (
    analytics_hourly_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id   uuid,
    hour       timestamptz NOT NULL CONSTRAINT analytics_hourly_hour_check
                   CHECK (hour = date_trunc('hour', hour, 'UTC')),
    metric     text NOT NULL CONSTRAINT analytics_hourly_metric_check CHECK (metric ~ '^[a-z][a-z0-9_]{0,62}$'),
    count      bigint NOT NULL DEFAULT 0 CHECK (count >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT analytics_hourly_rollup_key UNIQUE NULLS NOT DISTINCT (tenant_id, event_id, metric, hour),
    CONSTRAINT analytics_hourly_event_fkey FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, event_id)
);
SELECT app_secure_tenant_table('analytics_hourly');

-- ---------------------------------------------------------------------------------
-- scan_daily becomes the daily rollup of every metric, with one breakdown dimension per
-- row: dimension '' = the metric's total; 'source', 'device', 'browser', 'os',
-- 'platform', 'type' = the metric by that attribute (dimension_value). Views by source
-- also keep source_type set, as V0002 describes. card_id stays NULL (tenant and event
-- level). The key keeps its name; the two new columns default to '' so V0002's upsert
-- still works.
-- ---------------------------------------------------------------------------------
ALTER TABLE scan_daily
    ADD COLUMN dimension text NOT NULL DEFAULT ''
        CONSTRAINT scan_daily_dimension_check CHECK (dimension IN ('', 'source', 'device', 'browser', 'os', 'platform', 'type')),
    ADD COLUMN dimension_value text NOT NULL DEFAULT '' CHECK (length(dimension_value) <= 200),
    ADD CONSTRAINT scan_daily_dimension_pair_check CHECK ((dimension = '') = (dimension_value = ''));
ALTER TABLE scan_daily DROP CONSTRAINT scan_daily_rollup_key;
ALTER TABLE scan_daily ADD CONSTRAINT scan_daily_rollup_key
    UNIQUE NULLS NOT DISTINCT (tenant_id, day, metric, source_type, event_id, card_id, dimension, dimension_value);

-- ---------------------------------------------------------------------------------
-- analytics_archive_batches: raw rows older than a year go to S3 in batches; a batch is
-- written here (pending) before its object is uploaded, so a run that dies between the
-- upload and the delete redoes exactly that batch under the same key.
-- ---------------------------------------------------------------------------------
CREATE TABLE analytics_archive_batches (
    batch_id      bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    source        text NOT NULL CONSTRAINT analytics_archive_batches_source_check CHECK (source IN (
                      'email_events', 'card_view_events', 'wallet_pass_events', 'contact_export_events')),
    month         date NOT NULL CHECK (month = date_trunc('month', month)::date),
    first_id      bigint NOT NULL,
    last_id       bigint NOT NULL,
    cutoff        timestamptz NOT NULL,
    row_count     integer NOT NULL DEFAULT 0 CHECK (row_count >= 0),
    s3_key        text NOT NULL,
    status        text NOT NULL DEFAULT 'pending'
                      CONSTRAINT analytics_archive_batches_status_check CHECK (status IN ('pending', 'done')),
    finished_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT analytics_archive_batches_key_key UNIQUE (tenant_id, s3_key),
    CONSTRAINT analytics_archive_batches_ids_check CHECK (last_id >= first_id)
);
CREATE INDEX idx_analytics_archive_batches_pending ON analytics_archive_batches (tenant_id, source)
    WHERE status = 'pending';
SELECT app_secure_tenant_table('analytics_archive_batches');

-- ---------------------------------------------------------------------------------
-- The retention rules of V0003's app_purge_expired, in bounded batches: at most p_limit
-- rows per table per call, so a scheduled run can stop at its deadline and a backlog
-- never becomes one long transaction. Call it until every count is below p_limit.
-- ---------------------------------------------------------------------------------
CREATE FUNCTION app_purge_expired_batch(p_now timestamptz, p_limit integer)
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
        WHERE (status = 'succeeded' AND coalesce(finished_at, updated_at) < p_now - interval '7 days')
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
REVOKE EXECUTE ON FUNCTION app_purge_expired_batch(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_purge_expired_batch(timestamptz, integer) TO outreachpass_app;
