-- Events know where and when, in which language (issue 17).
--
-- events.venue_json: where the event happens, {"name", "address", "latitude", "longitude"},
--   each optional (NULL: not said). Passes put the coordinates on the lock screen near the
--   venue; cards and e-mails show the name and address.
-- events.language: the BCP 47 tag (e.g. "en", "de", "pt-BR") the event's cards, e-mails and
--   passes speak by default.
-- attendees.language: the attendee's own language when it differs (NULL: the event's).
-- Tags are stored canonical (language lower-case, script title-case, region upper-case),
-- as the API writes them.
ALTER TABLE events
    ADD COLUMN venue_json jsonb
        CONSTRAINT events_venue_json_check CHECK (venue_json IS NULL OR jsonb_typeof(venue_json) = 'object'),
    ADD COLUMN language text NOT NULL DEFAULT 'en'
        CONSTRAINT events_language_check CHECK (language ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$');

ALTER TABLE attendees
    ADD COLUMN language text
        CONSTRAINT attendees_language_check CHECK (language IS NULL OR language ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$');
