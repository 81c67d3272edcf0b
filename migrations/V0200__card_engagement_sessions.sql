-- Card engagement: visitor sessions on the public card routes (issue 5).
--
-- The public card page sets an `op_sid` cookie (random, HttpOnly, SameSite=Lax, Secure on
-- https, 30 minutes rolling) and records every view in card_view_events with it.
--
-- Unique views are decided ONCE, at insert, and stored:
--   card_view_events.is_unique = true  when the view has no session (no cookie: a bot, a
--                                     first visit, cookies off) or the same session has
--                                     not viewed the same card in the 30 minutes before
--                                     (an inactivity window: a visitor who keeps
--                                     reloading every 10 minutes counts once);
--                              = false otherwise.
-- Analytics (issue 8) read it as:
--   unique views = count(*) FILTER (WHERE is_unique AND device_type <> 'bot')
--   total views  = count(*) FILTER (WHERE device_type <> 'bot')
-- Two simultaneous first requests of one session can both be unique (no lock is taken on
-- the public path); a reload cannot race like that, so the error is negligible.
--
-- contact_export_events.session_id links a save / share / copy to the session of the view
-- that led to it (conversion per source), NULL when the request carried no session cookie.

ALTER TABLE card_view_events
    ADD COLUMN is_unique boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN card_view_events.is_unique IS
    'First view of this card by this session in 30 minutes (always true without a session). Set at insert.';
COMMENT ON COLUMN card_view_events.session_id IS
    'The op_sid cookie of the visitor (random, not linked to a person); NULL without one.';

-- The lookup behind is_unique: this card, this session, the last 30 minutes.
CREATE INDEX idx_card_views_card_session ON card_view_events (card_id, session_id, occurred_at DESC)
    WHERE session_id IS NOT NULL;

ALTER TABLE contact_export_events
    ADD COLUMN session_id text CHECK (session_id IS NULL OR length(session_id) BETWEEN 1 AND 128);
COMMENT ON COLUMN contact_export_events.session_id IS
    'The op_sid cookie of the visitor who exported the contact; NULL without one.';
