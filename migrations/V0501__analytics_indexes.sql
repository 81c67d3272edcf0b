-- outreachpass:no-transaction
-- Indexes of the analytics rollup and reports (issue 8), built CONCURRENTLY: the raw
-- tables are the biggest in the schema and keep taking inserts while this runs.
--
-- (tenant_id, ingest_xid, id): the rollup walks a tenant's new rows in key order, and a
-- report reads the tail above the watermark.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_email_events_ingest
    ON email_events (tenant_id, ingest_xid, email_event_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_card_views_ingest
    ON card_view_events (tenant_id, ingest_xid, view_event_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_wallet_events_ingest
    ON wallet_pass_events (tenant_id, ingest_xid, wallet_event_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_export_events_ingest
    ON contact_export_events (tenant_id, ingest_xid, export_event_id);

-- Distinct messages per funnel stage (unique opens, clicks, ...) cannot be summed from
-- rollups: they are counted from the raw rows, by an index-only scan of the counted
-- (human, not SES-reported open/click) events.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_email_events_funnel
    ON email_events (tenant_id, event_type, occurred_at) INCLUDE (event_id, message_id)
    WHERE classification = 'human' AND NOT (event_type IN ('opened', 'clicked') AND coalesce(metadata_json ->> 'source', '') = 'ses');

-- The reports' reads of the rollups: one metric (or a few) over a time range.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_analytics_hourly_metric
    ON analytics_hourly (tenant_id, metric, hour) INCLUDE (event_id, count);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_scan_daily_metric_day
    ON scan_daily (tenant_id, metric, day) INCLUDE (event_id, dimension, dimension_value, count);
