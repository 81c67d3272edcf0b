-- app_analytics_reingest (V0500), closing its one gap: a counted row changing while its
-- tenant's very first rollup starts. Without a state row the trigger had nothing to lock,
-- so the rollup could count the old version after the trigger decided "not counted".
-- Now the trigger creates the state row when it is missing (the rollup's own
-- INSERT ... ON CONFLICT then waits for this transaction), and locks it as before.
CREATE OR REPLACE FUNCTION app_analytics_reingest() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    old_key_xid xid8 := OLD.ingest_xid;
    row_id      bigint := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint;
    counted     boolean;
BEGIN
    INSERT INTO analytics_rollup_state (tenant_id, source) VALUES (OLD.tenant_id, TG_TABLE_NAME)
    ON CONFLICT (tenant_id, source) DO NOTHING;
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
