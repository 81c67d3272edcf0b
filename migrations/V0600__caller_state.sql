-- Authorization from the database's current state, in the request's own transaction.
--
-- Every authenticated request's first statement is app_begin_request() instead of the plain
-- set_config(): it sets app.tenant_id (local to the transaction, as before) and returns what
-- the database says about the caller now: its tenant's status and its own row (id, role,
-- status). The application refuses the request when the user is unknown or disabled, the
-- tenant is disabled, or the stored role (not the token's claim) is not allowed on the route.
-- One round trip, the same count as the set_config() it replaces.
--
-- Not SECURITY DEFINER: it runs as the caller (the app role), and RLS applies to what it
-- reads, because the tenant is set before the query runs.
--
-- An invited user that presents a valid token has completed its first sign-in (Cognito only
-- issues tokens after the new-password step): its status becomes 'active' here, once.
CREATE FUNCTION app_begin_request(p_tenant_id uuid, p_subject text)
    RETURNS TABLE (tenant_status text, user_id uuid, role text, user_status text)
    LANGUAGE plpgsql VOLATILE
    SET search_path = public, pg_temp
AS $$
DECLARE
    found record;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant_id::text, true);
    SELECT t.status AS tenant_status, u.user_id, u.role, u.status AS user_status
      INTO found
      FROM (SELECT p_tenant_id AS tenant_id) AS wanted
      LEFT JOIN tenants t ON t.tenant_id = wanted.tenant_id
      LEFT JOIN users u ON u.tenant_id = wanted.tenant_id AND u.cognito_sub = p_subject;
    IF found.user_status = 'invited' THEN
        UPDATE users u SET status = 'active' WHERE u.tenant_id = p_tenant_id AND u.user_id = found.user_id;
        found.user_status := 'active';
    END IF;
    RETURN QUERY SELECT found.tenant_status, found.user_id, found.role, found.user_status;
END
$$;
COMMENT ON FUNCTION app_begin_request(uuid, text) IS
    'Sets app.tenant_id and returns the caller''s current state: tenant status, user id, stored role, user status.';

-- The status of a tenant, for background work that must stop when its tenant is disabled
-- (email, pass and import jobs): sets app.tenant_id too, in the same round trip.
CREATE FUNCTION app_begin_tenant_work(p_tenant_id uuid)
    RETURNS text
    LANGUAGE plpgsql VOLATILE
    SET search_path = public, pg_temp
AS $$
DECLARE
    found_status text;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant_id::text, true);
    SELECT t.status INTO found_status FROM tenants t WHERE t.tenant_id = p_tenant_id;
    RETURN found_status;
END
$$;
COMMENT ON FUNCTION app_begin_tenant_work(uuid) IS
    'Sets app.tenant_id and returns the tenant''s status (NULL for an unknown tenant).';
