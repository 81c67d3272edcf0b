-- Exhibitors (a sponsor or booth at one event), the users that staff them, and the leads they
-- capture by scanning attendees' cards (issue 14).
--
--   exhibitors            one per sponsor/booth of an event; deleting it deletes its leads and
--                         detaches its users (they then see nothing)
--   users.exhibitor_id    the exhibitor an `exhibitor` user works for; only that role has one
--   leads                 one per (exhibitor, card): scanning a card twice finds the first lead;
--                         client_id (a UUID the scanning device makes) makes offline replays
--                         idempotent. The contact fields are a copy of what the card showed
--                         when it was scanned, so the exhibitor keeps what it was given.
--   card_engagement_events  what happened to a card beyond views and exports: a lead captured
--                         from it, a visitor who shared their details with its owner.

-- ---------------------------------------------------------------------------------
-- exhibitors
-- ---------------------------------------------------------------------------------
CREATE TABLE exhibitors (
    exhibitor_id  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id      uuid NOT NULL,
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    contact_email text CHECK (contact_email IS NULL OR length(contact_email) BETWEEN 3 AND 254),
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT exhibitors_tenant_id_exhibitor_id_key UNIQUE (tenant_id, exhibitor_id),
    -- (tenant, exhibitor, event): leads reference it, so a lead's event is its exhibitor's
    CONSTRAINT exhibitors_tenant_exhibitor_event_key UNIQUE (tenant_id, exhibitor_id, event_id),
    CONSTRAINT exhibitors_event_fkey FOREIGN KEY (tenant_id, event_id)
        REFERENCES events (tenant_id, event_id) ON DELETE CASCADE,
    CONSTRAINT exhibitors_created_by_fkey FOREIGN KEY (tenant_id, created_by)
        REFERENCES users (tenant_id, user_id) ON DELETE SET NULL (created_by)
);
CREATE INDEX idx_exhibitors_event ON exhibitors (tenant_id, event_id, created_at DESC, exhibitor_id DESC);
SELECT app_secure_tenant_table('exhibitors');

-- ---------------------------------------------------------------------------------
-- users.exhibitor_id
-- ---------------------------------------------------------------------------------
ALTER TABLE users
    ADD COLUMN exhibitor_id uuid,
    ADD CONSTRAINT users_exhibitor_fkey FOREIGN KEY (tenant_id, exhibitor_id)
        REFERENCES exhibitors (tenant_id, exhibitor_id) ON DELETE SET NULL (exhibitor_id),
    -- An exhibitor user may have none (invited before exhibitors existed, or its exhibitor was
    -- deleted): it then sees nothing. Other roles never have one.
    ADD CONSTRAINT users_exhibitor_role_check CHECK (exhibitor_id IS NULL OR role = 'exhibitor');
CREATE INDEX idx_users_exhibitor ON users (tenant_id, exhibitor_id) WHERE exhibitor_id IS NOT NULL;
COMMENT ON COLUMN users.exhibitor_id IS
    'The exhibitor an exhibitor-role user works for (its events and leads); NULL for the other roles.';

-- ---------------------------------------------------------------------------------
-- leads
-- ---------------------------------------------------------------------------------
CREATE TABLE leads (
    lead_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    exhibitor_id  uuid NOT NULL,
    event_id      uuid NOT NULL,
    card_id       uuid NOT NULL,
    -- the scanning device's id for this scan (offline replays send it again)
    client_id     uuid,
    captured_by   uuid,
    -- what the card showed when it was scanned
    name          text NOT NULL CHECK (btrim(name) <> ''),
    org_name      text,
    title         text,
    email         text,
    phone         text,
    linkedin_url  text,
    -- the exhibitor's own notes
    notes         text CHECK (notes IS NULL OR length(notes) <= 4000),
    rating        text CONSTRAINT leads_rating_check CHECK (rating IN ('hot', 'warm', 'cold')),
    tags          text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20 AND array_position(tags, NULL) IS NULL),
    captured_at   timestamptz NOT NULL DEFAULT now(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT leads_tenant_id_lead_id_key UNIQUE (tenant_id, lead_id),
    CONSTRAINT leads_exhibitor_card_key UNIQUE (exhibitor_id, card_id),
    CONSTRAINT leads_exhibitor_client_key UNIQUE (exhibitor_id, client_id),
    CONSTRAINT leads_exhibitor_fkey FOREIGN KEY (tenant_id, exhibitor_id, event_id)
        REFERENCES exhibitors (tenant_id, exhibitor_id, event_id) ON DELETE CASCADE,
    CONSTRAINT leads_card_fkey FOREIGN KEY (tenant_id, card_id) REFERENCES cards (tenant_id, card_id),
    CONSTRAINT leads_captured_by_fkey FOREIGN KEY (tenant_id, captured_by)
        REFERENCES users (tenant_id, user_id) ON DELETE SET NULL (captured_by)
);
-- The exhibitor's list, newest first (and its export, oldest first: the same index backwards).
CREATE INDEX idx_leads_exhibitor ON leads (exhibitor_id, captured_at DESC, lead_id DESC);
-- Organisers' counts per exhibitor over a range.
CREATE INDEX idx_leads_tenant_captured ON leads (tenant_id, event_id, captured_at);
CREATE INDEX idx_leads_card ON leads (card_id);
SELECT app_secure_tenant_table('leads');

-- ---------------------------------------------------------------------------------
-- card_engagement_events: a card's other engagement (append-only analytics, like the V0002
-- tables: the card is referenced with NO ACTION, cards are soft-deleted)
-- ---------------------------------------------------------------------------------
CREATE TABLE card_engagement_events (
    engagement_event_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id            uuid,
    card_id             uuid NOT NULL,
    event_type          text NOT NULL CONSTRAINT card_engagement_events_event_type_check
                            CHECK (event_type IN ('lead_captured', 'contact_shared')),
    -- lead_captured: the exhibitor that captured the lead (kept when the exhibitor goes)
    exhibitor_id        uuid,
    -- contact_shared: the visitor (the per-IP rate limit reads it); never logged
    ip_address          inet,
    user_agent          text,
    device_type         text NOT NULL DEFAULT 'unknown' CONSTRAINT card_engagement_events_device_type_check
                            CHECK (device_type IN ('mobile', 'desktop', 'tablet', 'bot', 'unknown')),
    occurred_at         timestamptz NOT NULL DEFAULT now(),
    metadata_json       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata_json) = 'object'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT card_engagement_events_event_fkey FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, event_id),
    CONSTRAINT card_engagement_events_card_fkey FOREIGN KEY (tenant_id, card_id) REFERENCES cards (tenant_id, card_id)
);
CREATE INDEX idx_card_engagement_card ON card_engagement_events (card_id, event_type, occurred_at DESC);
CREATE INDEX idx_card_engagement_tenant_occurred ON card_engagement_events (tenant_id, event_type, occurred_at DESC);
CREATE INDEX idx_card_engagement_ip ON card_engagement_events (tenant_id, ip_address, occurred_at DESC)
    WHERE ip_address IS NOT NULL;
SELECT app_secure_tenant_table('card_engagement_events');
