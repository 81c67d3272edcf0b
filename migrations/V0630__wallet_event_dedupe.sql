-- Wallet counters that are not zero by construction (issue 12): Google Wallet's save and delete
-- callbacks record `added` / `removed` Google events. Google delivers a callback at least once
-- and may deliver it again (same nonce): the event carries a dedupe key ('google:<nonce>'), and
-- a second delivery of the same callback inserts nothing (ON CONFLICT DO NOTHING on this index).
-- Rows without a key (every other wallet event) are not constrained.

ALTER TABLE wallet_pass_events ADD COLUMN dedupe_key text CHECK (length(dedupe_key) <= 300);
CREATE UNIQUE INDEX wallet_pass_events_dedupe_key ON wallet_pass_events (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
