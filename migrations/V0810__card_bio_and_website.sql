-- A card's short bio and its owner's website (issue 17): shown on the card page, carried by the
-- vCard (NOTE, URL) and by the wallet passes' back fields.
--
-- cards.bio: at most 280 characters (line breaks allowed, no other control characters: the API
--   refuses them; the check keeps any other writer to the length and to no NUL).
-- cards.website: an http(s) URL of at most 2048 characters.
-- Both NULL when not given; set on attendee creation (they go on its card) or by PATCH /cards/{id}.
ALTER TABLE cards
    ADD COLUMN bio text
        CONSTRAINT cards_bio_check CHECK (bio IS NULL OR (char_length(bio) BETWEEN 1 AND 280 AND btrim(bio) <> '')),
    ADD COLUMN website text
        CONSTRAINT cards_website_check CHECK (website IS NULL OR (website ~* '^https?://[^[:space:]]+$' AND char_length(website) <= 2048));
