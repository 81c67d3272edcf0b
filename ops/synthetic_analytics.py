"""`python -m ops.synthetic_analytics`: realistic analytics for a tenant, fast (COPY).

    python -m ops.synthetic_analytics --tenant new --events 200000 [--name "Acme"] [--days 400] [--seed 7] [--rollup]
    python -m ops.synthetic_analytics --tenant <tenant_id> --events 20000

What it makes, for a new tenant or an existing one (new events, attendees and cards are
added unless `generate()` is handed the events to use):
* conferences spread over the last `days` days, each with attendees and their cards;
* e-mail funnels per attendee and campaign (sent, delivered, Apple-privacy and scanner
  opens/clicks classified `machine`, human opens and clicks, bounces, complaints);
* card views peaking during each event (QR scans), then decaying (e-mail links, direct
  links, shares), on phones, desktops and tablets with their browsers and systems, about
  one in twenty from a bot, with visitor sessions and the unique-view flag;
* wallet passes (generated, downloaded, added, removed, updated; Apple and Google) and
  contact exports (vCard, add to contacts, copy e-mail, share).

Exactly `--events` analytics rows are written, in one transaction per tenant, by COPY.
Target: the running local stack (`make dev`, read from .local/dev.json) or `--database-url`
(a superuser URL: PostgreSQL refuses COPY FROM into a table under row-level security, which
every tenant table is, even for its owner; a superuser bypasses RLS). It is a development
and benchmark tool, not for a deployed stage. Also used by bench/ and by the local demo seed
(`seed_demo_analytics`).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from ops import REPO_ROOT

DEFAULT_DAYS = 400
MIX = {"email": 0.34, "view": 0.46, "wallet": 0.10, "export": 0.10}
COPY_BLOCK = 20_000

TIME_ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "America/St_Johns", "Europe/London",
              "America/Los_Angeles", "Asia/Singapore", "Australia/Sydney", "UTC")
EVENT_NAMES = ("Summit", "DevDays", "Expo", "Forum", "Connect", "Meetup", "World", "Live", "Camp", "Conf")
FIRST = ("Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Tim", "Barbara", "Dennis", "Radia", "Ken", "Frances")
LAST = ("Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Berners-Lee", "Liskov", "Ritchie",
        "Perlman", "Thompson", "Allen")

# (device, browser, os, user agent), weight
CLIENTS: tuple[tuple[tuple[str, str | None, str | None, str], float], ...] = (
    (("mobile", "Mobile Safari", "iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"), 0.30),
    (("mobile", "Chrome Mobile", "Android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"), 0.22),
    (("mobile", "Samsung Internet", "Android", "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36"), 0.06),
    (("mobile", "Instagram", "iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 330.0"), 0.03),
    (("desktop", "Chrome", "Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"), 0.12),
    (("desktop", "Safari", "Mac OS X", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"), 0.06),
    (("desktop", "Edge", "Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0"), 0.04),
    (("desktop", "Firefox", "Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"), 0.03),
    (("tablet", "Mobile Safari", "iOS", "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"), 0.05),
    (("unknown", None, None, "okhttp/4.12.0"), 0.03),
    (("bot", "Googlebot", None, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), 0.03),
    (("bot", "LinkedInBot", None, "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"), 0.02),
    (("bot", "Slackbot", None, "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"), 0.01),
)
MAIL_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
)
MACHINE_AGENTS = ("Mozilla/5.0", "Mozilla/5.0 (compatible; Barracuda Sentinel)", "Mimecast URL Protect")
VIEW_SOURCES = {"during": (("qr_scan", 0.62), ("direct_link", 0.14), ("email_link", 0.12), ("share", 0.12)),
                "other": (("qr_scan", 0.12), ("direct_link", 0.30), ("email_link", 0.40), ("share", 0.18))}
WALLET_TYPES = (("generated", 0.30), ("downloaded", 0.20), ("added", 0.28), ("removed", 0.03), ("updated", 0.17),
                ("email_clicked", 0.02))
EXPORT_TYPES = (("vcard_download", 0.50), ("add_to_contacts", 0.25), ("copy_email", 0.15), ("share", 0.10))
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class EventSpec:
    event_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    # (card_id, attendee_id, email) of the event's attendees
    cards: list[tuple[uuid.UUID, uuid.UUID | None, str]] = field(default_factory=list)


@dataclass
class Generated:
    tenant_id: uuid.UUID
    events: int
    attendees: int
    rows: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.rows.values())


class _Picker:
    """Weighted choice by bisect over cumulative weights (faster than random.choices per call)."""

    def __init__(self, items: Sequence[tuple[Any, float]]):
        self.values = [v for v, _ in items]
        total = 0.0
        self.cumulative = []
        for _, weight in items:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def __call__(self, r: float) -> Any:
        return self.values[min(bisect.bisect(self.cumulative, r * self.total), len(self.values) - 1)]


class _Clock:
    """COPY text of an instant (UTC), cached per minute: formatting 10M datetimes is the slow part."""

    def __init__(self) -> None:
        self._minutes: dict[int, str] = {}

    def __call__(self, ts: float) -> str:
        seconds = int(ts)
        minute = seconds - seconds % 60
        prefix = self._minutes.get(minute)
        if prefix is None:
            prefix = (EPOCH + timedelta(seconds=minute)).strftime("%Y-%m-%d %H:%M:")
            self._minutes[minute] = prefix
        return f"{prefix}{seconds - minute:02d}.{int((ts - seconds) * 1_000_000):06d}+00"


def _nul(value: str | None) -> str:
    return "\\N" if value is None else value


# --- the tenant's events, attendees and cards -------------------------------------------------


def create_events(conn: psycopg.Connection, tenant_id: uuid.UUID, *, count: int, attendees: int, end: datetime,
                  days: int, rng: random.Random) -> list[EventSpec]:
    """`count` past events over the span with `attendees` attendees (and cards) between them."""
    brand = conn.execute(
        "SELECT brand_id FROM brands WHERE tenant_id = %s ORDER BY created_at, brand_id LIMIT 1", (tenant_id,)
    ).fetchone()
    if brand is None:
        brand = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name) VALUES (%s, 'SYNTHETIC', 'Synthetic') RETURNING brand_id",
            (tenant_id,),
        ).fetchone()
    brand_id = brand[0]
    tag = uuid.uuid4().hex[:6]
    span_start = end - timedelta(days=days)
    specs: list[EventSpec] = []
    for i in range(count):
        offset = (i + 0.15 + 0.7 * rng.random()) * days / count
        starts = (span_start + timedelta(days=offset)).replace(minute=0, second=0, microsecond=0)
        starts = min(starts, end - timedelta(days=4))
        ends = starts + timedelta(days=rng.choice((1, 2, 2, 3)), hours=9)
        event_id = uuid.uuid4()
        conn.execute(
            """INSERT INTO events (event_id, tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'active')""",
            (event_id, tenant_id, brand_id, f"{rng.choice(EVENT_NAMES)} {starts:%Y} #{i + 1}", f"syn-{tag}-{i + 1}",
             starts, ends, rng.choice(TIME_ZONES)),
        )
        specs.append(EventSpec(event_id, starts, ends))
    people = []
    for n in range(attendees):
        spec = specs[n % count]
        attendee_id, card_id = uuid.uuid4(), uuid.uuid4()
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first.lower()}.{last.lower().replace('-', '')}.{n}.{tag}@example.com"
        spec.cards.append((card_id, attendee_id, email))
        people.append((spec.event_id, attendee_id, card_id, first, last, email))
    with conn.cursor().copy("COPY attendees (tenant_id, event_id, attendee_id, first_name, last_name, email) FROM STDIN") as copy:
        for event_id, attendee_id, _card, first, last, email in people:
            copy.write_row((tenant_id, event_id, attendee_id, first, last, email))
    with conn.cursor().copy(
        "COPY cards (tenant_id, event_id, card_id, owner_attendee_id, display_name, email, is_personal) FROM STDIN"
    ) as copy:
        for event_id, attendee_id, card_id, first, last, email in people:
            copy.write_row((tenant_id, event_id, card_id, attendee_id, f"{first} {last}", email, False))
    conn.execute(
        """UPDATE attendees a SET card_id = c.card_id FROM cards c
           WHERE a.tenant_id = %s AND c.tenant_id = a.tenant_id AND c.owner_attendee_id = a.attendee_id AND a.card_id IS NULL""",
        (tenant_id,),
    )
    return specs


def existing_events(conn: psycopg.Connection, tenant_id: uuid.UUID, event_ids: Sequence[uuid.UUID]) -> list[EventSpec]:
    """Specs of existing events (with their live cards), e.g. the local demo's."""
    specs = []
    for event_id in event_ids:
        row = conn.execute("SELECT starts_at, ends_at FROM events WHERE tenant_id = %s AND event_id = %s",
                           (tenant_id, event_id)).fetchone()
        if row is None:
            raise ValueError(f"event {event_id} is not in tenant {tenant_id}")
        cards = conn.execute(
            """SELECT c.card_id, c.owner_attendee_id, coalesce(c.email, 'guest@example.com') FROM cards c
               WHERE c.tenant_id = %s AND c.event_id = %s AND c.deleted_at IS NULL ORDER BY c.card_id""",
            (tenant_id, event_id),
        ).fetchall()
        if not cards:
            raise ValueError(f"event {event_id} has no cards")
        specs.append(EventSpec(event_id, row[0], row[1], [tuple(c) for c in cards]))
    return specs


# --- the analytics rows -------------------------------------------------------------------------


def generate(
    conn: psycopg.Connection,
    tenant_id: uuid.UUID,
    *,
    total: int,
    end: datetime | None = None,
    days: int = DEFAULT_DAYS,
    seed: int = 0,
    events: list[EventSpec] | None = None,
    bulk: bool = False,
) -> Generated:
    """Write exactly `total` analytics rows for the tenant (and, without `events`, the events,
    attendees and cards they are about), in the caller's transaction.

    bulk=True (a superuser connection: the benchmark's own database) loads like pg_restore
    --disable-triggers: the foreign-key triggers are skipped for this transaction, since the
    rows reference exactly the events and cards made here."""
    started = time.perf_counter()
    if bulk:
        conn.execute("SET LOCAL session_replication_role = replica")
    rng = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by seed)
    end = (end or datetime.now(UTC)).astimezone(UTC)
    attendees = 0
    if events is None:
        attendees = max(8, min(total // 40, 20_000))
        events = create_events(conn, tenant_id, count=max(2, min(12, total // 40_000 + 2)), attendees=attendees,
                               end=end, days=days, rng=rng)
    budgets = _budgets(total)
    writer = _Writer(conn, tenant_id, rng, events, end=end, days=days)
    rows = {
        "email_events": writer.emails(budgets["email"]),
        "card_view_events": writer.views(budgets["view"]),
        "wallet_pass_events": writer.wallet(budgets["wallet"]),
        "contact_export_events": writer.exports(budgets["export"]),
    }
    return Generated(tenant_id, len(events), attendees, rows, time.perf_counter() - started)


def _budgets(total: int) -> dict[str, int]:
    budgets = {kind: int(total * share) for kind, share in MIX.items()}
    budgets["view"] += total - sum(budgets.values())
    return budgets


class _Writer:
    def __init__(self, conn: psycopg.Connection, tenant_id: uuid.UUID, rng: random.Random, events: list[EventSpec],
                 *, end: datetime, days: int):
        self.conn = conn
        self.tenant = str(tenant_id)
        self.rng = rng
        self.events = events
        self.end = (end - EPOCH).total_seconds()
        self.start = self.end - days * 86400
        self.clock = _Clock()
        self.pick_event = _Picker([(e, max(1, len(e.cards))) for e in events])
        self.client = _Picker(CLIENTS)
        self.wallet_type = _Picker(WALLET_TYPES)
        self.export_type = _Picker(EXPORT_TYPES)
        self.sources = {k: _Picker(v) for k, v in VIEW_SOURCES.items()}

    def _ts(self, t: float) -> float:
        """Keep an instant inside the span (one outside folds back into its first or last 30 days)."""
        if t > self.end:
            return self.end - self.rng.random() * 30 * 86400
        if t < self.start:
            return self.start + self.rng.random() * 30 * 86400
        return t

    def _engagement_time(self, event: EventSpec) -> tuple[float, bool]:
        """An instant of engagement with an event: during it (daytime), before or after it."""
        r = self.rng.random()
        s = (event.starts_at - EPOCH).total_seconds()
        e = (event.ends_at - EPOCH).total_seconds()
        if r < 0.5:
            t = s + self.rng.random() * (e - s)
            return self._ts(t), True
        if r < 0.85:
            return self._ts(e + self.rng.expovariate(1 / (9 * 86400))), False
        return self._ts(s - self.rng.expovariate(1 / (6 * 86400))), False

    def _copy(self, statement: str, lines_source) -> int:
        n = 0
        with self.conn.cursor().copy(statement) as copy:
            block: list[str] = []
            for line in lines_source:
                block.append(line)
                n += 1
                if len(block) >= COPY_BLOCK:
                    copy.write("".join(block))
                    block.clear()
            if block:
                copy.write("".join(block))
        return n

    # e-mail: one funnel per (attendee, campaign) until the budget is spent
    def emails(self, budget: int) -> int:
        return self._copy(
            "COPY email_events (tenant_id, event_id, card_id, attendee_id, message_id, recipient_email, event_type, "
            "classification, link_url, user_agent, occurred_at, metadata_json) FROM STDIN",
            self._email_lines(budget),
        )

    def _email_lines(self, budget: int):
        rng, clock, tenant = self.rng, self.clock, self.tenant
        left = budget
        n = 0
        while left > 0:
            event = self.pick_event(rng.random())
            card_id, attendee_id, email = event.cards[int(rng.random() * len(event.cards))]
            s = (event.starts_at - EPOCH).total_seconds()
            campaign = rng.choice((-14 * 86400, -3 * 86400, -3 * 86400, (event.ends_at - event.starts_at).total_seconds() + 86400))
            sent = self._ts(s + campaign + rng.random() * 1800)
            n += 1
            message = f"syn-{tenant[:8]}-{n}"
            prefix = f"{tenant}\t{event.event_id}\t{card_id}\t{_nul(str(attendee_id) if attendee_id else None)}\t{message}\t{email}\t"
            rows = [("sent", "human", None, None, sent, "ses")]
            r = rng.random()
            if r < 0.03:
                rows.append(("bounced", "human", None, None, sent + 5 + rng.random() * 60, "ses"))
            else:
                delivered = sent + 2 + rng.random() * 20
                rows.append(("delivered", "human", None, None, delivered, "ses"))
                if rng.random() < 0.35:  # Apple Mail Privacy Protection prefetch
                    rows.append(("opened", "machine", None, MACHINE_AGENTS[0], delivered + 1 + rng.random(), "pixel"))
                if rng.random() < 0.06:  # a security gateway follows the link
                    rows.append(("clicked", "machine", "https://outreachpass.example/c", MACHINE_AGENTS[1 + int(rng.random() * 2)],
                                 delivered + rng.random(), "redirect"))
                if rng.random() < 0.45:
                    opened = delivered + rng.expovariate(1 / 21600)
                    agent = MAIL_AGENTS[int(rng.random() * len(MAIL_AGENTS))]
                    for k in range(1 + int(rng.random() * 2.2)):
                        rows.append(("opened", "human", None, agent, opened + k * rng.expovariate(1 / 7200), "pixel"))
                    if rng.random() < 0.32:
                        clicked = opened + 10 + rng.expovariate(1 / 120)
                        rows.append(("clicked", "human", "https://outreachpass.example/c", agent, clicked, "redirect"))
                        if rng.random() < 0.2:
                            rows.append(("clicked", "human", "https://www.linkedin.com/", agent, clicked + 30, "redirect"))
                if rng.random() < 0.002:
                    rows.append(("complained", "human", None, None, delivered + rng.expovariate(1 / 86400), "ses"))
            for event_type, classification, link, agent, at, source in rows:
                if left <= 0:
                    break
                left -= 1
                yield (f"{prefix}{event_type}\t{classification}\t{_nul(link)}\t{_nul(agent)}\t{clock(self._ts(at))}\t"
                       f'{{"source": "{source}", "synthetic": true}}\n')

    def views(self, budget: int) -> int:
        return self._copy(
            "COPY card_view_events (tenant_id, event_id, card_id, source_type, referrer_url, user_agent, device_type, "
            "browser, os, session_id, is_unique, occurred_at) FROM STDIN",
            self._view_lines(budget),
        )

    def _view_lines(self, budget: int):
        rng, clock, tenant = self.rng, self.clock, self.tenant
        for _ in range(budget):
            event = self.pick_event(rng.random())
            card_id = event.cards[int(rng.random() * len(event.cards))][0]
            at, during = self._engagement_time(event)
            source = self.sources["during" if during else "other"](rng.random())
            device, browser, os_name, agent = self.client(rng.random())
            bot = device == "bot"
            session = None if bot or rng.random() < 0.15 else f"{int(rng.random() * 2**63):016x}"
            unique = "t" if session is None or rng.random() < 0.7 else "f"
            referrer = "https://www.linkedin.com/" if source == "share" and rng.random() < 0.5 else None
            yield (f"{tenant}\t{event.event_id}\t{card_id}\t{source}\t{_nul(referrer)}\t{agent}\t{device}\t"
                   f"{_nul(browser)}\t{_nul(os_name)}\t{_nul(session)}\t{unique}\t{clock(at)}\n")

    def wallet(self, budget: int) -> int:
        return self._copy(
            "COPY wallet_pass_events (tenant_id, event_id, card_id, platform, event_type, user_agent, device_type, "
            "occurred_at) FROM STDIN",
            self._wallet_lines(budget),
        )

    def _wallet_lines(self, budget: int):
        rng, clock, tenant = self.rng, self.clock, self.tenant
        for _ in range(budget):
            event = self.pick_event(rng.random())
            card_id = event.cards[int(rng.random() * len(event.cards))][0]
            event_type = self.wallet_type(rng.random())
            platform = "apple" if rng.random() < 0.6 else "google"
            s = (event.starts_at - EPOCH).total_seconds()
            if event_type == "generated":
                at = self._ts(s - 3 * 86400 - rng.random() * 4 * 86400)
            else:
                at, _ = self._engagement_time(event)
            device = "bot" if rng.random() < 0.02 else ("mobile" if event_type in ("added", "removed", "updated") else "desktop")
            agent = "Googlebot/2.1" if device == "bot" else ("PassbookUIService/1.0" if platform == "apple" else "Google-Wallet")
            yield f"{tenant}\t{event.event_id}\t{card_id}\t{platform}\t{event_type}\t{agent}\t{device}\t{clock(at)}\n"

    def exports(self, budget: int) -> int:
        return self._copy(
            "COPY contact_export_events (tenant_id, event_id, card_id, export_type, user_agent, device_type, session_id, "
            "occurred_at) FROM STDIN",
            self._export_lines(budget),
        )

    def _export_lines(self, budget: int):
        rng, clock, tenant = self.rng, self.clock, self.tenant
        for _ in range(budget):
            event = self.pick_event(rng.random())
            card_id = event.cards[int(rng.random() * len(event.cards))][0]
            at, _ = self._engagement_time(event)
            device, _browser, _os, agent = self.client(rng.random())
            session = None if device == "bot" or rng.random() < 0.2 else f"{int(rng.random() * 2**63):016x}"
            yield (f"{tenant}\t{event.event_id}\t{card_id}\t{self.export_type(rng.random())}\t{agent}\t{device}\t"
                   f"{_nul(session)}\t{clock(at)}\n")


# --- what the local demo and the bench call ----------------------------------------------------


def create_tenant(conn: psycopg.Connection, name: str) -> uuid.UUID:
    return conn.execute("INSERT INTO tenants (name) VALUES (%s) RETURNING tenant_id", (name,)).fetchone()[0]


def seed_demo_analytics(admin_url: str, tenant_id: uuid.UUID, event_id: uuid.UUID, *, total: int = 20_000,
                        days: int = 90, seed: int = 42) -> Generated | None:
    """The local demo's dashboard: `total` rows on the demo event's cards over the last `days`
    days, once (None when the tenant has analytics already)."""
    with psycopg.connect(admin_url, autocommit=False) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"synthetic:{tenant_id}",))
        found = conn.execute("SELECT EXISTS (SELECT 1 FROM card_view_events WHERE tenant_id = %s)", (tenant_id,)).fetchone()
        if found[0]:
            return None
        specs = existing_events(conn, tenant_id, [event_id])
        # the demo event is in the future: its engagement is spread over the past `days` days
        now = datetime.now(UTC)
        for spec in specs:
            spec.starts_at, spec.ends_at = now - timedelta(days=days // 3), now - timedelta(days=days // 3 - 2)
        return generate(conn, tenant_id, total=total, days=days, seed=seed, events=specs)


def seed_demo_dashboard(admin_url: str, tenant_id: uuid.UUID, event_id: uuid.UUID, *, total: int = 20_000) -> Generated | None:
    """`make dev`: the demo tenant's analytics, once, rolled up so the dashboard is populated
    (the runtime's DATABASE_URL must be set: the rollup runs as the application role)."""
    made = seed_demo_analytics(admin_url, tenant_id, event_id, total=total)
    if made is not None:
        from outreachpass.services.rollup import roll_up_now

        roll_up_now(tenant_id)
    return made


# --- the command --------------------------------------------------------------------------------


def _local_urls() -> tuple[str | None, str | None]:
    path = Path(os.environ.get("OUTREACHPASS_LOCAL_DIR", REPO_ROOT / ".local")) / "dev.json"
    if not path.exists():
        return None, None
    info = json.loads(path.read_text())
    return info.get("admin_database_url"), info.get("database_url")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.synthetic_analytics", description=__doc__.split("\n")[0])
    parser.add_argument("--tenant", required=True, help="a tenant id, or 'new' to create one")
    parser.add_argument("--events", type=int, required=True, help="how many analytics rows to write")
    parser.add_argument("--name", default="Synthetic Events Co.", help="name of a new tenant")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="span, ending now (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same data)")
    parser.add_argument("--database-url", default=os.environ.get("OUTREACHPASS_ADMIN_DATABASE_URL"),
                        help="admin URL (default: the running local stack's, from .local/dev.json)")
    parser.add_argument("--rollup", action="store_true", help="roll the tenant up afterwards")
    args = parser.parse_args(argv)
    if args.events < 1 or args.events > 50_000_000:
        parser.error("--events must be between 1 and 50,000,000")
    if args.days < 2 or args.days > 3650:
        parser.error("--days must be between 2 and 3650")
    admin_url, app_url = _local_urls()
    admin_url = args.database_url or admin_url
    if not admin_url:
        parser.error("no database: start `make dev` or pass --database-url")
    with psycopg.connect(admin_url, autocommit=False) as conn, conn.transaction():
        if args.tenant == "new":
            tenant_id = create_tenant(conn, args.name)
        else:
            try:
                tenant_id = uuid.UUID(args.tenant)
            except ValueError:
                parser.error("--tenant must be a tenant id or 'new'")
            if conn.execute("SELECT 1 FROM tenants WHERE tenant_id = %s", (tenant_id,)).fetchone() is None:
                parser.error(f"tenant {tenant_id} does not exist")
        made = generate(conn, tenant_id, total=args.events, days=args.days, seed=args.seed)
    print(f"tenant {tenant_id}: {made.total:,} analytics rows ({', '.join(f'{k} {v:,}' for k, v in made.rows.items())}), "
          f"{made.events} events, {made.attendees:,} attendees in {made.seconds:.1f} s")
    if args.rollup:
        os.environ.setdefault("DATABASE_URL", app_url or admin_url)
        from outreachpass.services.rollup import roll_up_now

        started = time.perf_counter()
        report = roll_up_now(tenant_id, budget_s=3600)
        print(f"rolled up {report.rows:,} rows in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
