-- outreachpass:no-transaction
-- The reports read tenant and event totals (card_id IS NULL) of scan_daily: a partial
-- covering index lets that be an index-only scan (V0501's index left card_id out, so every
-- row was fetched from the heap to test it). Built before the old one is dropped.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_scan_daily_totals_metric_day
    ON scan_daily (tenant_id, metric, day) INCLUDE (event_id, dimension, dimension_value, count)
    WHERE card_id IS NULL;
DROP INDEX CONCURRENTLY IF EXISTS idx_scan_daily_metric_day;
