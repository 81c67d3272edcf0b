"""Where a tracked link of a card email leads once its message context is gone.

A context (the message's links, 7 days) bounds what the click redirect may follow while it
lives. After it expires and is deleted, a link of that email still works for as long as the
card exists: the send log kept the message's links (email_sends.links, V0621), and the
redirect goes to the stored destination when it is one of the card's own URLs (its page,
vCard, Apple and Google Wallet links, rebuilt on today's public base URL), and to the card
page for anything else. So an old link can only ever lead to the card's own pages: no
redirect elsewhere outlives the context.

Sends from before V0621 kept no links: their link ids were the card's own four, and the id
alone says where it leads.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import UUID

from outreachpass.services.card_appearance import card_url

# link id -> the card URL's path after /c/{card_id} (what services.email.compose.card_links links to)
CARD_LINK_PATHS: dict[str, str] = {"card": "", "vcard": "/vcard", "apple": "/wallet/apple", "google": "/wallet/google"}
_OWN_PATHS = frozenset(CARD_LINK_PATHS.values())


def own_path(url: str | None, card_id: UUID) -> str | None:
    """The part after /c/{card_id} when `url` is one of the card's own URLs (on any base URL the
    card was ever served from), else None."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    prefix = f"/c/{card_id}"
    position = path.find(prefix)
    if position < 0:
        return None
    rest = path[position + len(prefix):]
    return rest if rest in _OWN_PATHS else None


def lasting_destination(card_id: UUID, stored_url: str | None) -> str:
    """The URL an old link leads to: the card's own URL it pointed at, on today's base URL (the
    page tagged ?src=email, as the email linked it), else the card page."""
    path = own_path(stored_url, card_id)
    if not path:
        return card_url(card_id, "email")
    return card_url(card_id) + path


def stored_destination(links: dict[str, str] | None, link_id: str, card_id: UUID) -> str | None:
    """What a link id of a message pointed at: from its stored links, or for a send that kept
    none (before V0621) the card's own link of that id. None: the message had no such link."""
    if links is not None:
        target = links.get(link_id)
        return target if isinstance(target, str) else None
    if link_id in CARD_LINK_PATHS:
        return card_url(card_id) + CARD_LINK_PATHS[link_id]
    return None
