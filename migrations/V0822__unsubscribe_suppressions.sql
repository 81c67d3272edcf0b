-- The suppression list as the organisers manage it (issue 17).
--
-- reason gains 'unsubscribe': the recipient used the one-click unsubscribe of a card e-mail
-- (RFC 8058; services/email/unsubscribe.py). note: why an address was added by hand.
-- The list is read newest first and searched by address (GET /api/v1/admin/suppressions).
ALTER TABLE email_suppressions DROP CONSTRAINT email_suppressions_reason_check;
ALTER TABLE email_suppressions
    ADD CONSTRAINT email_suppressions_reason_check CHECK (reason IN ('bounce', 'complaint', 'unsubscribe', 'manual')),
    ADD COLUMN note text CONSTRAINT email_suppressions_note_check CHECK (length(note) <= 500);
CREATE INDEX idx_email_suppressions_recent ON email_suppressions (tenant_id, created_at DESC, email DESC);
