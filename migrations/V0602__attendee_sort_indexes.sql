-- The attendee list sorts by last name or e-mail (GET /events/{event_id}/attendees?sort=), each
-- a keyset range scan: (event_id, key, attendee_id) in the database's collation, the key as the
-- list orders it (NULL sorts as the empty string, first). Creation time uses idx_attendees_event
-- (V0001) in either direction.
CREATE INDEX idx_attendees_event_sort_last_name ON attendees (event_id, (coalesce(search_last_name, '')), attendee_id);
CREATE INDEX idx_attendees_event_sort_email ON attendees (event_id, (coalesce(search_email, '')), attendee_id);
