-- Google Wallet passes that follow their event and brand (issue 17).
--
-- What we last sent Google, as the SHA-256 of the JSON body, so a class or object is sent again
-- exactly when what it would show has changed (an event renamed or moved, a brand recoloured, a
-- card edited), whichever container or worker notices first, and never otherwise:
--
-- wallet_google_classes: one row per event ticket class of a tenant (one per event; one for a
--   tenant's cards outside any event), written after Google took the class.
-- wallet_passes.google_body_sha256: the same for a card's event ticket object.
CREATE TABLE wallet_google_classes (
    tenant_id   uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    class_id    text NOT NULL CHECK (length(class_id) BETWEEN 3 AND 255),
    body_sha256 text NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
    synced_at   timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallet_google_classes_pkey PRIMARY KEY (tenant_id, class_id)
);
SELECT app_secure_tenant_table('wallet_google_classes');

ALTER TABLE wallet_passes
    ADD COLUMN google_body_sha256 text
        CONSTRAINT wallet_passes_google_body_sha256_check CHECK (google_body_sha256 IS NULL OR google_body_sha256 ~ '^[0-9a-f]{64}$');
