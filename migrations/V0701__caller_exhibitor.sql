-- The caller's exhibitor, read with the rest of its state in the request's first round trip.
--
-- app_begin_request() (V0600) now also returns users.exhibitor_id: an exhibitor user's leads
-- and events are those of its exhibitor, taken from its row at the start of every request
-- (never from the request body or the token), so moving a user to another exhibitor or
-- deleting its exhibitor takes effect on its next request.
--
-- Adding an OUT column changes the function's result type, which CREATE OR REPLACE cannot do:
-- it is dropped and created again in this migration's transaction (callers read the columns by
-- name; the new one is at the end). The function body is V0600's otherwise.
DROP FUNCTION app_begin_request(uuid, text);

CREATE FUNCTION app_begin_request(p_tenant_id uuid, p_subject text)
    RETURNS TABLE (tenant_status text, user_id uuid, role text, user_status text, exhibitor_id uuid)
    LANGUAGE plpgsql VOLATILE
    SET search_path = public, pg_temp
AS $$
DECLARE
    found record;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant_id::text, true);
    SELECT t.status AS tenant_status, u.user_id, u.role, u.status AS user_status, u.exhibitor_id
      INTO found
      FROM (SELECT p_tenant_id AS tenant_id) AS wanted
      LEFT JOIN tenants t ON t.tenant_id = wanted.tenant_id
      LEFT JOIN users u ON u.tenant_id = wanted.tenant_id AND u.cognito_sub = p_subject;
    IF found.user_status = 'invited' THEN
        UPDATE users u SET status = 'active' WHERE u.tenant_id = p_tenant_id AND u.user_id = found.user_id;
        found.user_status := 'active';
    END IF;
    RETURN QUERY SELECT found.tenant_status, found.user_id, found.role, found.user_status, found.exhibitor_id;
END
$$;
COMMENT ON FUNCTION app_begin_request(uuid, text) IS
    'Sets app.tenant_id and returns the caller''s current state: tenant status, user id, stored role, user status, exhibitor.';
