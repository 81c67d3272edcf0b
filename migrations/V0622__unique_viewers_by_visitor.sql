-- Unique viewers that a replay cannot inflate (issue 12).
--
-- Until now a view was unique unless the same op_sid session had viewed the same card in the
-- 30 minutes before (V0200). A request without the cookie, or with a made-up one, always
-- counted as a new unique viewer: replaying a view was enough to inflate the count.
--
-- Now a view is unique when, in the 30 minutes before, the card had no view from the same
-- session AND none from the same visitor: the same IP address and user agent, kept only as
-- a keyed hash (visitor_key). The key is
--     first 16 bytes of sha256(salt || card_id | ip | user agent)
-- with a random salt per tenant and UTC day (visitor_salts), deleted after two days: a key
-- links views of one card within a day and nothing else, and cannot be recomputed from an
-- address once its salt is gone (the raw IP stays where it already was: card_view_events.ip_address).
-- Around midnight UTC the lookup tries yesterday's key too, so the window does not reset then.
-- A view with no known IP address is keyed by its session only, as before.
--
-- What "unique" undercounts: two people on one network (one public IP, e.g. a venue's Wi-Fi
-- behind NAT) with the same browser build, viewing the same card within 30 minutes, count as
-- one. Counting a replay as a person is the worse error for a number sold as "people reached".

CREATE TABLE visitor_salts (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    valid_on    date NOT NULL,
    salt        bytea NOT NULL CHECK (octet_length(salt) >= 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, valid_on)
);
COMMENT ON TABLE visitor_salts IS
    'Random salt of the visitor keys per tenant and UTC day; kept two days (then a key cannot be recomputed).';
SELECT app_secure_tenant_table('visitor_salts');

ALTER TABLE card_view_events
    ADD COLUMN visitor_key bytea CHECK (visitor_key IS NULL OR octet_length(visitor_key) = 16);
COMMENT ON COLUMN card_view_events.visitor_key IS
    'Keyed hash of card, IP address and user agent (salt of the tenant and UTC day); NULL without an IP address.';
COMMENT ON COLUMN card_view_events.is_unique IS
    'No view of this card in the 30 minutes before from the same session or the same visitor_key. Set at insert.';
CREATE INDEX idx_card_views_card_visitor ON card_view_events (card_id, visitor_key, occurred_at DESC)
    WHERE visitor_key IS NOT NULL;

-- The visitor keys of a view of p_card_id from (p_ip, p_user_agent) for the transaction's
-- tenant: {today's key, yesterday's key when that salt exists}; NULL without an address.
-- Runs as the caller under RLS (the card's tenant is bound by the resolver before it); creates
-- the day's salt on first use and drops the tenant's salts older than yesterday.
CREATE FUNCTION app_visitor_keys(p_card_id uuid, p_ip inet, p_user_agent text) RETURNS bytea[]
    LANGUAGE plpgsql VOLATILE
    SET search_path = public, pg_temp
AS $$
DECLARE
    tenant uuid := app_current_tenant();
    today date := (now() AT TIME ZONE 'UTC')::date;
    material bytea;
    keys bytea[];
BEGIN
    IF p_ip IS NULL OR tenant IS NULL THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM visitor_salts WHERE tenant_id = tenant AND valid_on = today) THEN
        INSERT INTO visitor_salts (tenant_id, valid_on, salt)
        VALUES (tenant, today, uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
        ON CONFLICT (tenant_id, valid_on) DO NOTHING;
        DELETE FROM visitor_salts WHERE tenant_id = tenant AND valid_on < today - 1;
    END IF;
    material := convert_to(p_card_id::text || '|' || host(p_ip) || '|' || coalesce(p_user_agent, ''), 'UTF8');
    SELECT array_agg(substring(sha256(s.salt || material) FROM 1 FOR 16) ORDER BY s.valid_on DESC)
      INTO keys
      FROM visitor_salts s
     WHERE s.tenant_id = tenant AND s.valid_on IN (today, today - 1);
    RETURN keys;
END
$$;
COMMENT ON FUNCTION app_visitor_keys(uuid, inet, text) IS
    'Visitor keys (today''s first) of a card view for the transaction''s tenant; see V0622.';
