"""Wallet passes of contact cards, one module per job:

- `apple`: building and issuing a card's signed Apple pass (.pkpass), and its download;
- `web_service`: the Apple Wallet web service devices call (registrations, updated serials,
  the latest pass, device logs);
- `google`: a card's Google Wallet generic object and its save link;
- `hooks`: what a card change does to its passes, in the card's own transaction;
- `events`: the wallet_pass_events every one of them records;
- `pass_jobs`: bulk pass generation (POST .../events/{event_id}/passes and its worker);
- `push`: after a card change, the outbox relay and the refresh of devices and Google objects.

The rules they share:
- One pass per card and platform (wallet_passes): Apple passes get a random serial number and
  authentication token when first issued, and keep both forever (Apple forbids changing
  them); Google passes are the generic object `<issuer>.outreachpass-card-<card id>` in the
  generic class of the card's event.
- An Apple .pkpass is built fresh for every download and web-service fetch (a few ms: the
  images are cached), so it always shows the card as it is now; the bulk job also keeps a
  copy in S3 for e-mail attachments (services.wallet.pass_jobs).
- When a card changes, services.cards.card_changed calls `hooks.on_card_changed` in its
  transaction: the card's passes get a new update tag and a row in the push outbox; after
  commit the relay and the wallet_push worker push the devices and patch Google
  (services.wallet.push). Nothing leaves the database inside the card's transaction.
- The pass's colours and issuer name come from services.card_appearance, like the card page's.
"""
