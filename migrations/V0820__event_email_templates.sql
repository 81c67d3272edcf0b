-- Per-event card e-mail templates (issue 17).
--
-- An event's organisers may replace the card e-mail's subject and its opening text (greeting and
-- introduction) with their own, with placeholders such as {{ first_name }} or {{ card_url }}
-- (integrations/email/placeholders.py: a small fixed syntax rendered by our own code, never a
-- template language run on user input). The branded layout around the text (the card button,
-- the QR code, the wallet buttons, the footer with its unsubscribe link) stays ours. Without a
-- row the built-in e-mail is sent.
CREATE TABLE event_email_templates (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    event_id   uuid NOT NULL,
    subject    text NOT NULL
                   CONSTRAINT event_email_templates_subject_check
                   CHECK (length(subject) BETWEEN 1 AND 200 AND subject !~ '[\x01-\x08\x0a-\x1f]'),
    body       text NOT NULL
                   CONSTRAINT event_email_templates_body_check CHECK (length(body) BETWEEN 1 AND 10000),
    updated_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id),
    CONSTRAINT event_email_templates_event_fkey FOREIGN KEY (tenant_id, event_id)
        REFERENCES events (tenant_id, event_id) ON DELETE CASCADE,
    CONSTRAINT event_email_templates_updated_by_fkey FOREIGN KEY (tenant_id, updated_by)
        REFERENCES users (tenant_id, user_id) ON DELETE SET NULL (updated_by)
);
SELECT app_secure_tenant_table('event_email_templates');
