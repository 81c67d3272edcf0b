"""The reports: overview, e-mail funnel, card views, wallet, contact exports and time series of a
scope, from the rollups plus the raw rows not rolled up yet (data/analytics.py); and the leads
exhibitors captured (data/leads.py: their current leads, few enough to count directly)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreachpass.data import analytics as analytics_data
from outreachpass.data import leads as leads_data
from outreachpass.data.conn import Conn
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import NotFound, ValidationFailed
from outreachpass.services.analytics.buckets import Interval, bucket_bounds, cover
from outreachpass.services.analytics.scope import MAX_HOURLY_RANGE, Scope

EMAIL_STAGES = ("sent", "delivered", "opened", "clicked", "bounced", "complained")
VIEW_SOURCES = ("qr_scan", "direct_link", "email_link", "share")
VIEW_DEVICES = ("mobile", "desktop", "tablet", "unknown")
WALLET_PLATFORMS = ("apple", "google")
WALLET_EVENTS = ("generated", "downloaded", "added", "removed", "updated", "email_clicked")
EXPORT_TYPES = ("vcard_download", "add_to_contacts", "copy_email", "share")
EMAIL_TYPES = ("sent", "delivered", "delayed", "opened", "clicked", "bounced", "complained", "rejected", "failed")

# Metrics a time series can show. Additive ones come from the rollups; *_unique e-mail
# metrics are distinct messages per bucket, from the raw rows.
ADDITIVE_METRICS: tuple[str, ...] = (
    *(f"emails_{t}" for t in EMAIL_TYPES),
    *(f"emails_{t}_bot" for t in EMAIL_TYPES),
    "card_views", "card_views_unique", "card_views_bot",
    *(f"wallet_{t}" for t in WALLET_EVENTS),
    *(f"wallet_{t}_bot" for t in WALLET_EVENTS),
    "contact_exports", "contact_exports_bot",
)
DISTINCT_METRICS: dict[str, str] = {f"emails_{t}_unique": t for t in EMAIL_STAGES}
METRICS: tuple[str, ...] = tuple(sorted((*ADDITIVE_METRICS, *DISTINCT_METRICS)))


def parse_metric(value: str) -> str:
    if value not in METRICS:
        raise ValidationFailed.field("metric", f"unknown metric '{value[:64]}'; one of: {', '.join(METRICS)}")
    return value


# --- reading ----------------------------------------------------------------------------------


class Cells:
    """Counts by (bucket, metric, dimension, value); bucket 1..n, 0 = all buckets."""

    def __init__(self, rows: Iterable[dict[str, Any]] = ()):
        self._cells: dict[tuple[int, str, str, str], int] = defaultdict(int)
        for row in rows:
            self.add(row["b"], row["metric"], row["dimension"], row["dimension_value"], row["n"])

    def add(self, bucket: int, metric: str, dimension: str, value: str, n: int) -> None:
        self._cells[(bucket, metric, dimension, value)] += n
        self._cells[(0, metric, dimension, value)] += n

    def get(self, metric: str, dimension: str = "", value: str = "", *, bucket: int = 0) -> int:
        return self._cells.get((bucket, metric, dimension, value), 0)

    def values(self, metric: str, dimension: str) -> dict[str, int]:
        return {v: n for (b, m, d, v), n in self._cells.items() if b == 0 and m == metric and d == dimension and n}


def _read(
    conn: Conn, scope: Scope, metrics: Iterable[str], *, dimensions: bool, bounds: list[datetime] | None = None
) -> Cells:
    plan = cover(bounds or [scope.start, scope.end], hours=not dimensions)
    return Cells(
        analytics_data.counts(
            conn, scope.tenant_id, event_id=scope.event_id, cover=plan, metrics=list(metrics), breakdowns=dimensions
        )
    )


def check_event(conn: Conn, scope: Scope) -> Scope:
    """404 for an event of the scope that does not exist; returns the scope to report on: in the
    event's time zone when the caller named none (an organiser reads an event's days as they
    were lived there)."""
    if scope.event_id is None:
        return scope
    zone_name = analytics_data.event_time_zone(conn, scope.tenant_id, scope.event_id)
    if zone_name is None:
        raise NotFound("event", scope.event_id)
    try:
        return scope.in_zone(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):  # stored before zones were validated: keep the default
        return scope


def _breakdown(values: dict[str, int], fixed: Iterable[str] = ()) -> list[dict[str, Any]]:
    merged = {key: 0 for key in fixed}
    merged.update(values)
    return [{"value": key, "count": count} for key, count in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))]


# --- the reports ------------------------------------------------------------------------------


def overview(scope: Scope) -> dict[str, Any]:
    metrics = ["emails_sent", "emails_delivered", "emails_opened", "emails_clicked", "card_views",
               "card_views_unique", "wallet_added", "contact_exports"]
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        totals = analytics_data.scope_totals(conn, scope.tenant_id, scope.event_id)
        cells = _read(conn, scope, metrics, dimensions=True)
        leads = leads_data.count_in_range(conn, scope.tenant_id, event_id=scope.event_id, start=scope.start, end=scope.end)
    wallet = {platform: cells.get("wallet_added", "platform", platform) for platform in WALLET_PLATFORMS}
    return {
        "scope": scope.describe(),
        "cards": totals["cards"],
        "attendees": totals["attendees"],
        "emails": {stage: cells.get(f"emails_{stage}") for stage in ("sent", "delivered", "opened", "clicked")},
        "card_views": cells.get("card_views"),
        "unique_viewers": cells.get("card_views_unique"),
        "wallet_added": {**wallet, "total": cells.get("wallet_added")},
        "contact_exports": cells.get("contact_exports"),
        "leads": leads,
    }


def exhibitor_leads(scope: Scope) -> dict[str, Any]:
    """Leads captured in the range per exhibitor (every exhibitor of the scope, with 0 when it
    captured none), by rating. Leads are the exhibitors' current rows: a deleted lead no longer
    counts (the card's lead_captured engagement event stays)."""
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        rows = leads_data.per_exhibitor(conn, scope.tenant_id, event_id=scope.event_id, start=scope.start, end=scope.end)
    return {"scope": scope.describe(), "total": sum(row["leads"] for row in rows), "by_exhibitor": rows}


def email_funnel(scope: Scope) -> dict[str, Any]:
    metrics = [f"emails_{stage}{suffix}" for stage in EMAIL_STAGES for suffix in ("", "_bot")]
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, metrics, dimensions=False)
        distinct = analytics_data.distinct_messages(
            conn, scope.tenant_id, event_id=scope.event_id, bounds=[scope.start, scope.end], event_types=EMAIL_STAGES
        )
        archived = analytics_data.archived_before(conn, scope.tenant_id)
    unique = {row["event_type"]: row["n"] for row in distinct}
    stages = []
    for stage in EMAIL_STAGES:
        total, bots = cells.get(f"emails_{stage}"), cells.get(f"emails_{stage}_bot")
        stages.append({"stage": stage, "total": total, "unique": unique.get(stage, 0), "bots": bots, "raw_total": total + bots})
    by_stage = {s["stage"]: s["unique"] for s in stages}
    return {
        "scope": scope.describe(archived),
        "stages": stages,
        "rates": {
            "delivery_rate": _rate(by_stage["delivered"], by_stage["sent"]),
            "open_rate": _rate(by_stage["opened"], by_stage["delivered"]),
            "click_rate": _rate(by_stage["clicked"], by_stage["delivered"]),
            "click_to_open_rate": _rate(by_stage["clicked"], by_stage["opened"]),
            "bounce_rate": _rate(by_stage["bounced"], by_stage["sent"]),
            "complaint_rate": _rate(by_stage["complained"], by_stage["delivered"]),
        },
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def views(scope: Scope) -> dict[str, Any]:
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, ["card_views", "card_views_unique", "card_views_bot"], dimensions=True)
    total, bots = cells.get("card_views"), cells.get("card_views_bot")
    return {
        "scope": scope.describe(),
        "total": total,
        "unique": cells.get("card_views_unique"),
        "bots": bots,
        "raw_total": total + bots,
        "by_source": _breakdown(cells.values("card_views", "source"), VIEW_SOURCES),
        "by_device": _breakdown(cells.values("card_views", "device"), VIEW_DEVICES),
        "by_browser": _breakdown(cells.values("card_views", "browser")),
        "by_os": _breakdown(cells.values("card_views", "os")),
    }


def wallet(scope: Scope) -> dict[str, Any]:
    metrics = [f"wallet_{t}{suffix}" for t in WALLET_EVENTS for suffix in ("", "_bot")]
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, metrics, dimensions=True)
    return {
        "scope": scope.describe(),
        "by_platform": {
            platform: {t: cells.get(f"wallet_{t}", "platform", platform) for t in WALLET_EVENTS} for platform in WALLET_PLATFORMS
        },
        "totals": {t: cells.get(f"wallet_{t}") for t in WALLET_EVENTS},
        "bots": sum(cells.get(f"wallet_{t}_bot") for t in WALLET_EVENTS),
    }


def exports(scope: Scope) -> dict[str, Any]:
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        cells = _read(conn, scope, ["contact_exports", "contact_exports_bot"], dimensions=True)
    total, bots = cells.get("contact_exports"), cells.get("contact_exports_bot")
    return {
        "scope": scope.describe(),
        "total": total,
        "by_type": {t: cells.get("contact_exports", "type", t) for t in EXPORT_TYPES},
        "bots": bots,
        "raw_total": total + bots,
    }


def timeseries(scope: Scope, metric: str, interval: Interval) -> dict[str, Any]:
    if interval == "hour" and scope.end - scope.start > MAX_HOURLY_RANGE:
        raise ValidationFailed.field(
            "interval", f"hourly series cover at most {MAX_HOURLY_RANGE.days} days; ask for interval=day or a shorter range"
        )
    with tenant_tx(scope.tenant_id) as conn:
        scope = check_event(conn, scope)
        bounds, labels = bucket_bounds(scope.start, scope.end, interval, scope.tz)
        archived = None
        if metric in DISTINCT_METRICS:
            rows = analytics_data.distinct_messages(
                conn, scope.tenant_id, event_id=scope.event_id, bounds=bounds, event_types=[DISTINCT_METRICS[metric]]
            )
            values = {row["b"]: row["n"] for row in rows}
            archived = analytics_data.archived_before(conn, scope.tenant_id)
        else:
            cells = _read(conn, scope, [metric], dimensions=False, bounds=bounds)
            values = {b: cells.get(metric, bucket=b) for b in range(1, len(bounds))}
    points = [{"start": label, "value": values.get(i, 0)} for i, label in enumerate(labels, start=1)]
    return {
        "scope": scope.describe(archived),
        "metric": metric,
        "interval": interval,
        "points": points,
        "total": sum(p["value"] for p in points) if metric not in DISTINCT_METRICS else None,
    }
