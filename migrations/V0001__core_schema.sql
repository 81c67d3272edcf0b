-- OutreachPass core schema: tenancy helpers and the tenant-owned business tables.
--
-- Applied by outreachpass.db.migrate as `outreachpass_owner` (SET ROLE), inside one
-- transaction, so every object below belongs to the owner role. The application role
-- `outreachpass_app` is neither owner nor BYPASSRLS: it reaches rows only through the
-- `tenant_isolation` policy that app_secure_tenant_table() puts on every table.
--
-- Conventions (later migrations, V0100+, follow them too):
--   * every table carries tenant_id and is passed to app_secure_tenant_table() in the
--     same migration that creates it (RLS enabled + forced, both policies, updated_at
--     trigger). tests/integration/test_migrations.py fails for a table that is not;
--   * created_at / updated_at timestamptz NOT NULL DEFAULT now() on every table;
--   * children reference parents by (tenant_id, <id>) so a row can never point at
--     another tenant's row, whatever the application does;
--   * enumerated text columns have a CHECK constraint.

-- ---------------------------------------------------------------------------------
-- Privileges for everything the owner creates from now on (this and later migrations).
-- The app role gets plain DML and nothing else: no TRUNCATE, REFERENCES or TRIGGER.
-- ---------------------------------------------------------------------------------
ALTER DEFAULT PRIVILEGES FOR ROLE outreachpass_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO outreachpass_app;
ALTER DEFAULT PRIVILEGES FOR ROLE outreachpass_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO outreachpass_app;
-- Functions are not executable by PUBLIC; the app role gets EXECUTE explicitly below
-- and by default (app_secure_tenant_table is revoked again: it is for migrations only).
ALTER DEFAULT PRIVILEGES FOR ROLE outreachpass_owner
    REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE outreachpass_owner IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO outreachpass_app;

-- ---------------------------------------------------------------------------------
-- Tenancy helpers
-- ---------------------------------------------------------------------------------

-- The tenant of the current transaction, set by the application with
-- `SELECT set_config('app.tenant_id', %s, true)`. NULL when unset or empty, and
-- `tenant_id = NULL` is never true: with no tenant the app role sees and writes nothing.
CREATE FUNCTION app_current_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT nullif(current_setting('app.tenant_id', true), '')::uuid
$$;
COMMENT ON FUNCTION app_current_tenant() IS
    'Tenant of the current transaction (app.tenant_id), NULL when none is set: RLS fails closed.';

CREATE FUNCTION app_set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- Puts a tenant-owned table under row-level security (enabled AND forced, so the owner
-- is subject to policies too), with the two policies every such table has, and the
-- updated_at trigger. Idempotent. Call it in the migration that creates the table:
--     SELECT app_secure_tenant_table('my_table');
CREATE FUNCTION app_secure_tenant_table(p_table regclass) RETURNS void
    LANGUAGE plpgsql
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_attribute
        WHERE attrelid = p_table AND attname = 'tenant_id' AND attnum > 0 AND NOT attisdropped
    ) THEN
        RAISE EXCEPTION 'table % has no tenant_id column', p_table;
    END IF;

    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);

    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', p_table);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s AS PERMISSIVE FOR ALL TO outreachpass_app '
        'USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant())',
        p_table);

    -- The owner runs migrations, platform jobs and the SECURITY DEFINER resolvers.
    EXECUTE format('DROP POLICY IF EXISTS owner_all ON %s', p_table);
    EXECUTE format(
        'CREATE POLICY owner_all ON %s AS PERMISSIVE FOR ALL TO outreachpass_owner USING (true) WITH CHECK (true)',
        p_table);

    IF EXISTS (
        SELECT 1 FROM pg_attribute
        WHERE attrelid = p_table AND attname = 'updated_at' AND attnum > 0 AND NOT attisdropped
    ) THEN
        EXECUTE format('DROP TRIGGER IF EXISTS set_updated_at ON %s', p_table);
        EXECUTE format(
            'CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s FOR EACH ROW '
            'WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION app_set_updated_at()',
            p_table);
    END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION app_secure_tenant_table(regclass) FROM outreachpass_app;
GRANT EXECUTE ON FUNCTION app_current_tenant() TO outreachpass_app;

-- ---------------------------------------------------------------------------------
-- tenants
-- ---------------------------------------------------------------------------------
CREATE TABLE tenants (
    tenant_id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (btrim(name) <> ''),
    -- key of the tenant in the deployment config (per-tenant stacks), when it has one
    tenant_key  text UNIQUE CHECK (tenant_key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    status      text NOT NULL DEFAULT 'active' CONSTRAINT tenants_status_check CHECK (status IN ('active', 'disabled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
SELECT app_secure_tenant_table('tenants');

-- ---------------------------------------------------------------------------------
-- brands
-- ---------------------------------------------------------------------------------
CREATE TABLE brands (
    brand_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    brand_key     text NOT NULL CHECK (length(btrim(brand_key)) BETWEEN 1 AND 64),
    display_name  text,
    domain        text,
    theme_json    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(theme_json) = 'object'),
    features_json jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(features_json) = 'object'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT brands_tenant_brand_key_key UNIQUE (tenant_id, brand_key),
    CONSTRAINT brands_tenant_id_brand_id_key UNIQUE (tenant_id, brand_id)
);
-- A custom domain serves exactly one brand.
CREATE UNIQUE INDEX brands_domain_key ON brands (lower(domain)) WHERE domain IS NOT NULL;
CREATE INDEX idx_brands_tenant ON brands (tenant_id, created_at DESC, brand_id DESC);
SELECT app_secure_tenant_table('brands');

-- ---------------------------------------------------------------------------------
-- users
-- ---------------------------------------------------------------------------------
CREATE TABLE users (
    user_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (btrim(email) <> ''),
    full_name   text,
    role        text NOT NULL CONSTRAINT users_role_check CHECK (role IN ('admin', 'user', 'exhibitor')),
    cognito_sub text CONSTRAINT users_cognito_sub_key UNIQUE,
    status      text NOT NULL DEFAULT 'active' CONSTRAINT users_status_check CHECK (status IN ('invited', 'active', 'disabled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_tenant_id_user_id_key UNIQUE (tenant_id, user_id)
);
-- One user per e-mail address in a tenant, whatever its case.
CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, lower(email));
CREATE INDEX idx_users_tenant ON users (tenant_id, created_at DESC, user_id DESC);
SELECT app_secure_tenant_table('users');

-- ---------------------------------------------------------------------------------
-- events
-- ---------------------------------------------------------------------------------
CREATE TABLE events (
    event_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    brand_id      uuid,
    name          text NOT NULL CHECK (btrim(name) <> ''),
    slug          text NOT NULL CONSTRAINT events_slug_check CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$'),
    starts_at     timestamptz,
    ends_at       timestamptz,
    timezone      text NOT NULL DEFAULT 'UTC' CHECK (btrim(timezone) <> ''),
    status        text NOT NULL DEFAULT 'draft' CONSTRAINT events_status_check CHECK (status IN ('draft', 'active', 'archived')),
    settings_json jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings_json) = 'object'),
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_tenant_slug_key UNIQUE (tenant_id, slug),
    CONSTRAINT events_tenant_id_event_id_key UNIQUE (tenant_id, event_id),
    CONSTRAINT events_ends_after_starts_check CHECK (ends_at > starts_at),
    CONSTRAINT events_brand_fkey FOREIGN KEY (tenant_id, brand_id) REFERENCES brands (tenant_id, brand_id),
    CONSTRAINT events_created_by_fkey FOREIGN KEY (tenant_id, created_by)
        REFERENCES users (tenant_id, user_id) ON DELETE SET NULL (created_by)
);
CREATE INDEX idx_events_tenant ON events (tenant_id, created_at DESC, event_id DESC);
CREATE INDEX idx_events_tenant_status ON events (tenant_id, status, created_at DESC, event_id DESC);
CREATE INDEX idx_events_brand ON events (tenant_id, brand_id);
SELECT app_secure_tenant_table('events');

-- ---------------------------------------------------------------------------------
-- attendees and cards (each references the other: the FKs are added after both exist)
-- ---------------------------------------------------------------------------------
CREATE TABLE attendees (
    attendee_id  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id     uuid NOT NULL,
    email        text,
    phone        text,
    first_name   text,
    last_name    text,
    org_name     text,
    title        text,
    linkedin_url text,
    card_id      uuid,
    flags_json   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(flags_json) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT attendees_tenant_id_attendee_id_key UNIQUE (tenant_id, attendee_id),
    CONSTRAINT attendees_card_id_key UNIQUE (card_id),
    CONSTRAINT attendees_event_fkey FOREIGN KEY (tenant_id, event_id)
        REFERENCES events (tenant_id, event_id) ON DELETE CASCADE
);
-- The CSV import upserts on it:
--   INSERT ... ON CONFLICT (event_id, lower(email)) WHERE email IS NOT NULL DO UPDATE ...
CREATE UNIQUE INDEX attendees_event_email_key ON attendees (event_id, lower(email)) WHERE email IS NOT NULL;
CREATE INDEX idx_attendees_tenant ON attendees (tenant_id, created_at DESC, attendee_id DESC);
CREATE INDEX idx_attendees_event ON attendees (event_id, created_at DESC, attendee_id DESC);
-- Search within an event: `lower(col) LIKE 'prefix%'` (text_pattern_ops works in any collation).
CREATE INDEX idx_attendees_event_email_search ON attendees (event_id, lower(email) text_pattern_ops);
CREATE INDEX idx_attendees_event_last_name ON attendees (event_id, lower(last_name) text_pattern_ops);
CREATE INDEX idx_attendees_event_first_name ON attendees (event_id, lower(first_name) text_pattern_ops);
SELECT app_secure_tenant_table('attendees');

CREATE TABLE cards (
    card_id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id         uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    -- the event the card was issued for (NULL for a personal card outside any event)
    event_id          uuid,
    owner_attendee_id uuid,
    owner_user_id     uuid,
    display_name      text NOT NULL CHECK (btrim(display_name) <> ''),
    email             text,
    phone             text,
    org_name          text,
    title             text,
    avatar_s3_key     text,
    links_json        jsonb NOT NULL DEFAULT '{}',
    vcard_rev         integer NOT NULL DEFAULT 1 CHECK (vcard_rev >= 1),
    is_personal       boolean NOT NULL DEFAULT true,
    -- soft delete: the public page answers 404, analytics rows keep their reference
    deleted_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cards_tenant_id_card_id_key UNIQUE (tenant_id, card_id),
    CONSTRAINT cards_event_fkey FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, event_id),
    CONSTRAINT cards_owner_attendee_fkey FOREIGN KEY (tenant_id, owner_attendee_id)
        REFERENCES attendees (tenant_id, attendee_id) ON DELETE SET NULL (owner_attendee_id),
    CONSTRAINT cards_owner_user_fkey FOREIGN KEY (tenant_id, owner_user_id)
        REFERENCES users (tenant_id, user_id) ON DELETE SET NULL (owner_user_id)
);
CREATE INDEX idx_cards_tenant ON cards (tenant_id, created_at DESC, card_id DESC);
CREATE INDEX idx_cards_owner_attendee ON cards (owner_attendee_id);
-- An attendee has at most one live card.
CREATE UNIQUE INDEX cards_owner_attendee_live_key ON cards (owner_attendee_id)
    WHERE owner_attendee_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX idx_cards_owner_user ON cards (owner_user_id) WHERE owner_user_id IS NOT NULL;
CREATE INDEX idx_cards_event ON cards (tenant_id, event_id);
SELECT app_secure_tenant_table('cards');

ALTER TABLE attendees ADD CONSTRAINT attendees_card_fkey FOREIGN KEY (tenant_id, card_id)
    REFERENCES cards (tenant_id, card_id) ON DELETE SET NULL (card_id);

-- ---------------------------------------------------------------------------------
-- qr_codes: rendered QR images of a card's URL, cached in S3
-- ---------------------------------------------------------------------------------
CREATE TABLE qr_codes (
    qr_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    card_id     uuid NOT NULL,
    format      text NOT NULL CONSTRAINT qr_codes_format_check CHECK (format IN ('png', 'svg')),
    s3_key      text NOT NULL,
    url_encoded text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT qr_codes_card_format_key UNIQUE (card_id, format),
    CONSTRAINT qr_codes_card_fkey FOREIGN KEY (tenant_id, card_id)
        REFERENCES cards (tenant_id, card_id) ON DELETE CASCADE
);
CREATE INDEX idx_qr_codes_tenant ON qr_codes (tenant_id, created_at DESC);
SELECT app_secure_tenant_table('qr_codes');

-- ---------------------------------------------------------------------------------
-- wallet_passes: one Apple / Google Wallet pass per card and platform
-- ---------------------------------------------------------------------------------
CREATE TABLE wallet_passes (
    pass_id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id            uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    card_id              uuid NOT NULL,
    platform             text NOT NULL CONSTRAINT wallet_passes_platform_check CHECK (platform IN ('apple', 'google')),
    serial_number        text NOT NULL CONSTRAINT wallet_passes_serial_number_key UNIQUE,
    -- Apple: the pass type identifier; Google: the pass class id
    pass_type_id         text,
    -- Apple web service token (the device sends `Authorization: ApplePass <token>`)
    authentication_token text CHECK (authentication_token IS NULL OR length(authentication_token) >= 16),
    google_object_id     text,
    vcard_rev            integer NOT NULL DEFAULT 1 CHECK (vcard_rev >= 1),
    s3_key               text,
    status               text NOT NULL DEFAULT 'pending'
        CONSTRAINT wallet_passes_status_check CHECK (status IN ('pending', 'active', 'failed', 'voided')),
    -- Last-Modified of the pass, and the "passesUpdatedSince" tag of the Apple web service
    last_updated_at      timestamptz NOT NULL DEFAULT now(),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallet_passes_tenant_serial_key UNIQUE (tenant_id, serial_number),
    CONSTRAINT wallet_passes_tenant_id_pass_id_key UNIQUE (tenant_id, pass_id),
    CONSTRAINT wallet_passes_card_platform_key UNIQUE (card_id, platform),
    CONSTRAINT wallet_passes_card_fkey FOREIGN KEY (tenant_id, card_id)
        REFERENCES cards (tenant_id, card_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX wallet_passes_google_object_key ON wallet_passes (google_object_id) WHERE google_object_id IS NOT NULL;
CREATE INDEX idx_wallet_passes_tenant ON wallet_passes (tenant_id, created_at DESC);
CREATE INDEX idx_wallet_passes_type_updated ON wallet_passes (pass_type_id, last_updated_at);
SELECT app_secure_tenant_table('wallet_passes');

-- Apple Wallet devices registered for a pass's push updates.
CREATE TABLE wallet_device_registrations (
    device_library_id text NOT NULL,
    pass_type_id      text NOT NULL,
    serial_number     text NOT NULL,
    push_token        text NOT NULL,
    tenant_id         uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_library_id, pass_type_id, serial_number),
    CONSTRAINT wallet_device_registrations_pass_fkey FOREIGN KEY (tenant_id, serial_number)
        REFERENCES wallet_passes (tenant_id, serial_number) ON DELETE CASCADE
);
CREATE INDEX idx_wallet_device_registrations_serial ON wallet_device_registrations (tenant_id, serial_number);
SELECT app_secure_tenant_table('wallet_device_registrations');

-- ---------------------------------------------------------------------------------
-- jobs: every asynchronous job (GET /jobs/{job_id}); retention: succeeded 7 days,
-- failed 30 days (app_purge_expired)
-- ---------------------------------------------------------------------------------
CREATE TABLE jobs (
    job_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id    uuid,
    kind        text NOT NULL CONSTRAINT jobs_kind_check CHECK (kind IN ('import', 'passes', 'emails', 'images')),
    status      text NOT NULL DEFAULT 'queued'
        CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    -- counters, incremented atomically by workers (`SET succeeded = succeeded + 1`):
    -- total = items to process; imports count created/updated/skipped rows, the other
    -- kinds succeeded items; failed counts both
    total       integer NOT NULL DEFAULT 0 CHECK (total >= 0),
    created     integer NOT NULL DEFAULT 0 CHECK (created >= 0),
    updated     integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
    skipped     integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    succeeded   integer NOT NULL DEFAULT 0 CHECK (succeeded >= 0),
    failed      integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
    -- per-item errors: [{"row": 12, "column": "email", "reason": "..."}]
    errors      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(errors) = 'array'),
    -- what the job was asked to do (S3 key of the CSV, attendee ids, platforms, ...)
    input       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(input) = 'object'),
    -- why the job as a whole failed
    error       text,
    created_by  uuid,
    started_at  timestamptz,
    finished_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT jobs_tenant_id_job_id_key UNIQUE (tenant_id, job_id),
    CONSTRAINT jobs_finished_after_started_check CHECK (finished_at >= started_at),
    CONSTRAINT jobs_event_fkey FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, event_id),
    CONSTRAINT jobs_created_by_fkey FOREIGN KEY (tenant_id, created_by)
        REFERENCES users (tenant_id, user_id) ON DELETE SET NULL (created_by)
);
CREATE INDEX idx_jobs_tenant ON jobs (tenant_id, created_at DESC, job_id DESC);
CREATE INDEX idx_jobs_event ON jobs (tenant_id, event_id, created_at DESC);
CREATE INDEX idx_jobs_retention ON jobs (status, finished_at) WHERE status IN ('succeeded', 'failed');
SELECT app_secure_tenant_table('jobs');

-- The per-card items of a `passes` job.
CREATE TABLE pass_generation_jobs (
    item_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    job_id      uuid NOT NULL,
    card_id     uuid NOT NULL,
    platform    text NOT NULL CONSTRAINT pass_generation_jobs_platform_check CHECK (platform IN ('apple', 'google')),
    vcard_rev   integer NOT NULL DEFAULT 1 CHECK (vcard_rev >= 1),
    status      text NOT NULL DEFAULT 'queued'
        CONSTRAINT pass_generation_jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error       text,
    pass_id     uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pass_generation_jobs_job_card_platform_key UNIQUE (job_id, card_id, platform),
    CONSTRAINT pass_generation_jobs_job_fkey FOREIGN KEY (tenant_id, job_id)
        REFERENCES jobs (tenant_id, job_id) ON DELETE CASCADE,
    CONSTRAINT pass_generation_jobs_card_fkey FOREIGN KEY (tenant_id, card_id)
        REFERENCES cards (tenant_id, card_id) ON DELETE CASCADE,
    CONSTRAINT pass_generation_jobs_pass_fkey FOREIGN KEY (tenant_id, pass_id)
        REFERENCES wallet_passes (tenant_id, pass_id) ON DELETE SET NULL (pass_id)
);
CREATE INDEX idx_pass_generation_jobs_job ON pass_generation_jobs (tenant_id, job_id, status);
CREATE INDEX idx_pass_generation_jobs_card ON pass_generation_jobs (card_id);
SELECT app_secure_tenant_table('pass_generation_jobs');

-- ---------------------------------------------------------------------------------
-- feature_flags
-- ---------------------------------------------------------------------------------
CREATE TABLE feature_flags (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    flag_key    text NOT NULL CHECK (flag_key ~ '^[A-Za-z][A-Za-z0-9_.:-]{0,99}$'),
    enabled     boolean NOT NULL DEFAULT false,
    value       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, flag_key)
);
SELECT app_secure_tenant_table('feature_flags');

-- ---------------------------------------------------------------------------------
-- audit_log: append-only for the app role (no UPDATE/DELETE); retention 2 years
-- ---------------------------------------------------------------------------------
CREATE TABLE audit_log (
    audit_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    -- no FK: the trail outlives the users it names
    actor_user_id  uuid,
    actor_sub      text,
    action         text NOT NULL CHECK (btrim(action) <> ''),
    entity_type    text NOT NULL CHECK (btrim(entity_type) <> ''),
    entity_id      text,
    before         jsonb,
    after          jsonb,
    correlation_id text,
    ip             inet,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_audit_log_tenant ON audit_log (tenant_id, occurred_at DESC, audit_id DESC);
CREATE INDEX idx_audit_log_entity ON audit_log (tenant_id, entity_type, entity_id, occurred_at DESC);
CREATE INDEX idx_audit_log_retention ON audit_log (occurred_at);
SELECT app_secure_tenant_table('audit_log');
REVOKE UPDATE, DELETE ON audit_log FROM outreachpass_app;

-- ---------------------------------------------------------------------------------
-- message_contexts: what a sent e-mail's tracking links may do; retention 7 days
-- ---------------------------------------------------------------------------------
CREATE TABLE message_contexts (
    -- our id, in the tracking pixel and click URLs
    message_id          text PRIMARY KEY CHECK (length(message_id) BETWEEN 8 AND 200),
    tenant_id           uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id            uuid,
    card_id             uuid,
    attendee_id         uuid,
    job_id              uuid,
    -- the provider's id (SES MessageId), known once the message is accepted
    provider_message_id text,
    recipient_email     text NOT NULL,
    -- link id -> URL: the click redirect follows only these
    links               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(links) = 'object'),
    expires_at          timestamptz NOT NULL DEFAULT now() + interval '7 days',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT message_contexts_event_fkey FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, event_id),
    CONSTRAINT message_contexts_card_fkey FOREIGN KEY (tenant_id, card_id) REFERENCES cards (tenant_id, card_id),
    CONSTRAINT message_contexts_attendee_fkey FOREIGN KEY (tenant_id, attendee_id)
        REFERENCES attendees (tenant_id, attendee_id) ON DELETE SET NULL (attendee_id),
    CONSTRAINT message_contexts_job_fkey FOREIGN KEY (tenant_id, job_id)
        REFERENCES jobs (tenant_id, job_id) ON DELETE SET NULL (job_id)
);
CREATE UNIQUE INDEX message_contexts_provider_message_key ON message_contexts (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX idx_message_contexts_expires ON message_contexts (expires_at);
CREATE INDEX idx_message_contexts_job ON message_contexts (tenant_id, job_id) WHERE job_id IS NOT NULL;
CREATE INDEX idx_message_contexts_attendee ON message_contexts (attendee_id) WHERE attendee_id IS NOT NULL;
CREATE INDEX idx_message_contexts_card ON message_contexts (card_id);
SELECT app_secure_tenant_table('message_contexts');

-- ---------------------------------------------------------------------------------
-- email_suppressions: addresses a tenant must not mail again
-- ---------------------------------------------------------------------------------
CREATE TABLE email_suppressions (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    email       text NOT NULL CONSTRAINT email_suppressions_email_lower_check CHECK (email = lower(email) AND email <> ''),
    reason      text NOT NULL CONSTRAINT email_suppressions_reason_check CHECK (reason IN ('bounce', 'complaint', 'manual')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, email)
);
SELECT app_secure_tenant_table('email_suppressions');
