-- Email links that outlive their message context (issue 12).
--
-- A message context (its links, for the click redirect) is deleted 7 days after the send, and
-- the links of the email stopped working with it; attendees are often mailed weeks before the
-- event. The send log (email_sends, kept for good) now keeps the message's links too, so a
-- click on a link of any email ever sent still finds where it pointed: the redirect then goes
-- to that destination when it is one of the card's own URLs (page, vCard, wallet passes),
-- else to the card page, for as long as the card exists (services/email/tracking.py).
--
-- The links of the contexts still kept are copied over; older sends keep NULL (their links
-- were the card's own four: card, vcard, apple, google, rebuilt from the link id).

ALTER TABLE email_sends
    ADD COLUMN links jsonb CONSTRAINT email_sends_links_check CHECK (links IS NULL OR jsonb_typeof(links) = 'object');
COMMENT ON COLUMN email_sends.links IS
    'The message''s link id -> URL (as its context had them); NULL for skipped recipients and sends before V0621.';

UPDATE email_sends s SET links = m.links
  FROM message_contexts m
 WHERE m.message_id = s.message_id AND m.tenant_id = s.tenant_id AND s.links IS NULL;

-- The tenant of one of OUR message ids (the id in the tracking URLs, not SES's), whether its
-- context is live, expired or deleted; NULL for an unknown id or a disabled tenant.
CREATE FUNCTION app_sent_message_tenant(p_message_id text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    SELECT coalesce(
        (SELECT m.tenant_id FROM message_contexts m JOIN tenants t ON t.tenant_id = m.tenant_id
          WHERE m.message_id = p_message_id AND t.status = 'active'),
        (SELECT s.tenant_id FROM email_sends s JOIN tenants t ON t.tenant_id = s.tenant_id
          WHERE s.message_id = p_message_id AND t.status = 'active'))
$$;
REVOKE EXECUTE ON FUNCTION app_sent_message_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_sent_message_tenant(text) TO outreachpass_app;
