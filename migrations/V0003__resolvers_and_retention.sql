-- SECURITY DEFINER functions: the only way the app role reads across tenants.
--
-- Public routes (card page, tracking, wallet web service) start without a tenant: they
-- call a resolver with the id from the URL, get back the tenant id and nothing else,
-- set app.tenant_id to it and continue under RLS. Each runs as outreachpass_owner
-- (whose policy sees every row), with a fixed search_path so a caller cannot shadow
-- the tables. A disabled tenant resolves to NULL: its public surfaces go dark (404).
--
-- Platform jobs (retention, rollups) use app_tenant_ids() to enumerate tenants and then
-- work tenant by tenant under RLS, or app_purge_expired() for the retention rules.

-- The tenant of a live card; NULL for an unknown or deleted card.
CREATE FUNCTION app_card_tenant(p_card_id uuid) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT c.tenant_id
    FROM cards c
    JOIN tenants t ON t.tenant_id = c.tenant_id
    WHERE c.card_id = p_card_id
      AND c.deleted_at IS NULL
      AND t.status = 'active'
$$;

-- The tenant of a sent message, by our tracking id or the provider's (SES) message id;
-- NULL for an unknown or expired one.
CREATE FUNCTION app_message_tenant(p_message_id text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT m.tenant_id
    FROM message_contexts m
    JOIN tenants t ON t.tenant_id = m.tenant_id
    WHERE (m.message_id = p_message_id OR m.provider_message_id = p_message_id)
      AND m.expires_at > now()
      AND t.status = 'active'
    LIMIT 1
$$;

-- The tenant of a wallet pass by serial number; NULL for an unknown one.
CREATE FUNCTION app_pass_tenant(p_serial text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT p.tenant_id
    FROM wallet_passes p
    JOIN tenants t ON t.tenant_id = p.tenant_id
    WHERE p.serial_number = p_serial
      AND t.status = 'active'
$$;

-- Apple Wallet web service, "serial numbers for passes associated with a device": a
-- device may hold passes of several tenants, and the request carries no pass token, so
-- this returns only what Apple's protocol discloses (serials and their update tags).
CREATE FUNCTION app_device_updated_serials(
    p_device_library_id text, p_pass_type_id text, p_updated_since timestamptz DEFAULT NULL
) RETURNS TABLE (serial_number text, last_updated_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT p.serial_number, p.last_updated_at
    FROM wallet_device_registrations r
    JOIN wallet_passes p ON p.tenant_id = r.tenant_id AND p.serial_number = r.serial_number
    JOIN tenants t ON t.tenant_id = r.tenant_id
    WHERE r.device_library_id = p_device_library_id
      AND r.pass_type_id = p_pass_type_id
      AND (p_updated_since IS NULL OR p.last_updated_at > p_updated_since)
      AND t.status = 'active'
    ORDER BY p.last_updated_at, p.serial_number
$$;

-- Every tenant, for platform jobs that then work per tenant under RLS.
CREATE FUNCTION app_tenant_ids() RETURNS TABLE (tenant_id uuid, status text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT t.tenant_id, t.status FROM tenants t ORDER BY t.tenant_id
$$;

-- The retention rules of the data that expires (analytics are kept, and archived by
-- the retention job itself): message contexts after expires_at (7 days), succeeded jobs
-- after 7 days, failed jobs after 30 days, audit log after 2 years. Returns the number
-- of rows deleted per table. p_now is a parameter so the rules can be tested.
CREATE FUNCTION app_purge_expired(p_now timestamptz DEFAULT now())
    RETURNS TABLE (table_name text, deleted bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM message_contexts WHERE expires_at <= p_now;
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'message_contexts'; deleted := n; RETURN NEXT;

    DELETE FROM jobs
    WHERE (status = 'succeeded' AND coalesce(finished_at, updated_at) < p_now - interval '7 days')
       OR (status = 'failed' AND coalesce(finished_at, updated_at) < p_now - interval '30 days');
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'jobs'; deleted := n; RETURN NEXT;

    DELETE FROM audit_log WHERE occurred_at < p_now - interval '2 years';
    GET DIAGNOSTICS n = ROW_COUNT;
    table_name := 'audit_log'; deleted := n; RETURN NEXT;
END
$$;

REVOKE EXECUTE ON FUNCTION
    app_card_tenant(uuid), app_message_tenant(text), app_pass_tenant(text),
    app_device_updated_serials(text, text, timestamptz), app_tenant_ids(), app_purge_expired(timestamptz)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    app_card_tenant(uuid), app_message_tenant(text), app_pass_tenant(text),
    app_device_updated_serials(text, text, timestamptz), app_tenant_ids(), app_purge_expired(timestamptz)
    TO outreachpass_app;
