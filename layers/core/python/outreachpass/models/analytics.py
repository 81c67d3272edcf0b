"""Response shapes of the analytics reports (see services/analytics/ for what each number counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

ReportName = Literal["email", "views", "wallet", "exports"]
IntervalName = Literal["hour", "day", "week"]


class ScopeOut(BaseModel):
    event_id: UUID | None = Field(description="The event reported on; null for the whole tenant")
    from_: datetime = Field(alias="from", description="Start of the range (inclusive), in the requested time zone")
    to: datetime = Field(description="End of the range (exclusive), in the requested time zone")
    tz: str = Field(description="IANA time zone of the buckets and of from/to")
    archived_before: datetime | None = Field(
        default=None,
        description="Raw events before this instant were archived to S3: totals still include them (rollups), "
        "distinct counts (unique messages) do not",
    )

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class EmailTotals(BaseModel):
    sent: int
    delivered: int
    opened: int
    clicked: int


class WalletAdded(BaseModel):
    apple: int
    google: int
    total: int


# What "unique" means for card views (migrations V0200, V0622), said once for every report.
UNIQUE_VIEWS = (
    "Unique views, bots excluded: a view counts when the card had no view in the 30 minutes before from the same "
    "browser session (op_sid cookie) nor from the same visitor (same IP address and user agent, compared as a salted "
    "hash that changes daily). Replaying a view, with or without a cookie, does not add a viewer; two people behind one "
    "public IP with identical browsers viewing the same card within 30 minutes count once."
)


class OverviewOut(BaseModel):
    scope: ScopeOut
    cards: int = Field(description="Live cards now")
    attendees: int = Field(description="Attendees now")
    emails: EmailTotals = Field(description="E-mail events in the range (opens and clicks by machines excluded)")
    card_views: int = Field(description="Card views in the range, bots excluded")
    unique_viewers: int = Field(description=UNIQUE_VIEWS)
    wallet_added: WalletAdded = Field(description="Passes added to a wallet, by platform")
    contact_exports: int = Field(description="vCard downloads, add-to-contacts, copies and shares, bots excluded")
    leads: int = Field(description="Leads exhibitors captured in the range (their current leads)")


class ExhibitorLeads(BaseModel):
    exhibitor_id: UUID
    event_id: UUID
    name: str
    leads: int = Field(description="Leads captured in the range")
    hot: int
    warm: int
    cold: int


class LeadsOut(BaseModel):
    scope: ScopeOut
    total: int = Field(description="Leads captured in the range by every exhibitor of the scope")
    by_exhibitor: list[ExhibitorLeads] = Field(description="Every exhibitor of the scope, most leads first (0 when it captured none)")


class FunnelStage(BaseModel):
    stage: Literal["sent", "delivered", "opened", "clicked", "bounced", "complained"]
    total: int = Field(description="Events, machines excluded")
    unique: int = Field(description="Distinct messages with such an event, machines excluded")
    bots: int = Field(description="Events classified as machine (privacy proxies, link scanners)")
    raw_total: int = Field(description="total + bots")


class FunnelRates(BaseModel):
    delivery_rate: float | None = Field(description="unique delivered / unique sent")
    open_rate: float | None = Field(description="unique opened / unique delivered")
    click_rate: float | None = Field(description="unique clicked / unique delivered")
    click_to_open_rate: float | None = Field(description="unique clicked / unique opened")
    bounce_rate: float | None = Field(description="unique bounced / unique sent")
    complaint_rate: float | None = Field(description="unique complained / unique delivered")


class EmailFunnelOut(BaseModel):
    scope: ScopeOut
    stages: list[FunnelStage]
    rates: FunnelRates


class Breakdown(BaseModel):
    value: str
    count: int


class ViewsOut(BaseModel):
    scope: ScopeOut
    total: int = Field(description="Views, bots excluded")
    unique: int = Field(description=UNIQUE_VIEWS)
    bots: int
    raw_total: int
    by_source: list[Breakdown]
    by_device: list[Breakdown]
    by_browser: list[Breakdown]
    by_os: list[Breakdown]


class WalletCounts(BaseModel):
    generated: int
    downloaded: int
    added: int
    removed: int
    updated: int
    email_clicked: int


class WalletPlatforms(BaseModel):
    apple: WalletCounts
    google: WalletCounts


class WalletOut(BaseModel):
    scope: ScopeOut
    by_platform: WalletPlatforms
    totals: WalletCounts
    bots: int = Field(description="Wallet events from bots (not in the other numbers)")


class ExportTypes(BaseModel):
    vcard_download: int
    add_to_contacts: int
    copy_email: int
    share: int


class ExportsOut(BaseModel):
    scope: ScopeOut
    total: int
    by_type: ExportTypes
    bots: int
    raw_total: int


class Point(BaseModel):
    start: datetime = Field(description="Local start of the bucket (the first bucket may start before `from`)")
    value: int


class TimeseriesOut(BaseModel):
    scope: ScopeOut
    metric: str
    interval: IntervalName
    points: list[Point]
    total: int | None = Field(description="Sum of the points; null for distinct counts, which do not add up")


class ExportLinkOut(BaseModel):
    download_url: str = Field(description="Presigned URL of the gzip-compressed CSV")
    expires_at: datetime
    rows: int
    key: str
