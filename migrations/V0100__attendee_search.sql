-- Attendee search (GET /events/{event_id}/attendees?q=) that can use its indexes under RLS.
--
-- The application role reads attendees through the tenant_isolation policy. PostgreSQL
-- evaluates a query's conditions after the policy's unless they are leakproof, and only
-- leakproof conditions can drive an index scan then. `lower(email) LIKE 'ada%'` is not
-- (neither lower() nor LIKE is leakproof), so the V0001 expression indexes
-- idx_attendees_event_{email_search,first_name,last_name} were never usable by the API:
-- a rare prefix walked the whole event.
--
-- Instead the lower-cased search keys are stored, generated columns of plain values, and
-- searched with starts_with(), which is leakproof and turns into a range scan on a
-- text_pattern_ops index:
--   search_email      lower(email)                        "ada@example.com"
--   search_name       lower(first_name || ' ' || last_name) "ada lovelace" (first name or full name)
--   search_last_name  lower(last_name)                    "lovelace"
-- The V0001 expression indexes are dropped (nothing else reads them; the unique
-- attendees_event_email_key used by the CSV import upsert stays).

ALTER TABLE attendees
    ADD COLUMN search_email text GENERATED ALWAYS AS (lower(email)) STORED,
    ADD COLUMN search_name text GENERATED ALWAYS AS (
        lower(btrim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')))
    ) STORED,
    ADD COLUMN search_last_name text GENERATED ALWAYS AS (lower(last_name)) STORED;

CREATE INDEX idx_attendees_event_search_email ON attendees (event_id, search_email text_pattern_ops);
CREATE INDEX idx_attendees_event_search_name ON attendees (event_id, search_name text_pattern_ops);
CREATE INDEX idx_attendees_event_search_last_name ON attendees (event_id, search_last_name text_pattern_ops);

DROP INDEX idx_attendees_event_email_search;
DROP INDEX idx_attendees_event_first_name;
DROP INDEX idx_attendees_event_last_name;
