"""THE route table: every HTTP route, worker and scheduled job of OutreachPass, once.

Plain data only. `cdk synth` reads it to build one Lambda per entry with a role that
grants exactly what the entry names; `local/` reads it to serve the same handlers; the
OpenAPI document is generated from the handlers it names. Nothing here imports runtime
or CDK code, so both sides can load it cheaply.

Handler strings are module paths relative to `lambdas/` (the Lambda code root); the
entry point in each module is `handler`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["admin", "user", "exhibitor"]
Access = Literal["read", "write", "read_write"]

ADMIN: tuple[Role, ...] = ("admin",)
EDITORS: tuple[Role, ...] = ("admin", "user")
# Exhibitor users (a sponsor's staff) read only their exhibitor's event here (the services scope
# it); their own API is under /api/v1/leads.
EVERYONE: tuple[Role, ...] = ("admin", "user", "exhibitor")
EXHIBITOR: tuple[Role, ...] = ("exhibitor",)


@dataclass(frozen=True)
class BucketGrant:
    """S3 access a function needs: bucket logical name, access, and key prefix."""

    bucket: Literal["assets", "uploads", "archive"]
    access: Access
    prefix: str = ""


@dataclass(frozen=True)
class Needs:
    """The infrastructure one function needs; its IAM role grants exactly this."""

    database: bool = True
    buckets: tuple[BucketGrant, ...] = ()
    send_queues: tuple[str, ...] = ()  # logical queue names it sends to
    dead_letters: tuple[str, ...] = ()  # logical queue names whose DLQ it reads, leaving the messages there
    secrets: tuple[str, ...] = ()  # logical secret names it reads
    send_email: bool = False  # SES SendEmail with the tenant configuration sets
    read_email_identities: bool = False  # SES GetEmailIdentity: is a sender's domain verified
    cognito_admin: bool = False  # admin user management in the user pool
    memory_mb: int = 256
    timeout_s: int = 10


@dataclass(frozen=True)
class Route:
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str  # API Gateway path, parameters in braces
    handler: str  # module under lambdas/, e.g. "handlers.admin.events_list"
    roles: tuple[Role, ...] | None  # None = public route (no authorizer)
    needs: Needs = field(default_factory=Needs)
    summary: str = ""

    @property
    def is_public(self) -> bool:
        return self.roles is None

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Queue:
    """An SQS work queue; each gets a DLQ that receives a message after max_receive_count."""

    name: str
    visibility_timeout_s: int = 60
    max_receive_count: int = 3


@dataclass(frozen=True)
class Worker:
    """An SQS consumer: the event source mapping reports partial batch failures."""

    name: str
    queue: str
    handler: str
    batch_size: int = 10
    max_batching_window_s: int = 0
    needs: Needs = field(default_factory=Needs)
    max_concurrency: int | None = None  # at most this many concurrent invocations (2..1000); None = Lambda scales freely


@dataclass(frozen=True)
class Schedule:
    """A job run by an EventBridge schedule (locally: on demand or by the dev loop)."""

    name: str
    handler: str
    expression: str  # "rate(15 minutes)" or "cron(...)"
    needs: Needs = field(default_factory=Needs)


@dataclass(frozen=True)
class UploadTrigger:
    """An S3 event notification: an object created in `bucket` under `prefix` (and ending in
    `suffix`) puts an s3:ObjectCreated:* event on `queue`. The queue's policy must let
    s3.amazonaws.com SendMessage with aws:SourceArn = the bucket (and SSE-SQS, not a KMS key S3
    cannot use). Locally, local/aws.py configures moto, which delivers the same events."""

    bucket: Literal["assets", "uploads", "archive"]
    prefix: str
    queue: str
    suffix: str = ""


@dataclass(frozen=True)
class TopicConsumer:
    """A consumer of an SNS topic (SES configuration-set events)."""

    name: str
    topic: str
    handler: str
    needs: Needs = field(default_factory=Needs)


ADMIN_PREFIX = "/api/v1/admin"

ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "handlers.public.health", roles=None, summary="Liveness and database check"),
    # Cards in public: the page, its vCard and QR codes, and the page's tracking beacon. The page presigns
    # avatar/logo URLs (read on avatars/ and logos/); the vCard embeds the avatar's small JPEG.
    Route("GET", "/c/{card_id}", "handlers.public.card_page", roles=None, summary="The branded card page (HTML); records a view",
          needs=Needs(buckets=(BucketGrant("assets", "read", "avatars/"), BucketGrant("assets", "read", "logos/")), memory_mb=1024)),
    Route("GET", "/c/{card_id}/vcard", "handlers.public.card_vcard", roles=None, summary="vCard 3.0 download; records a contact export",
          needs=Needs(buckets=(BucketGrant("assets", "read", "avatars/"),), memory_mb=512)),
    Route("GET", "/c/{card_id}/qr.png", "handlers.public.card_qr_png", roles=None, summary="QR code of the card URL (PNG)",
          needs=Needs(buckets=(BucketGrant("assets", "read_write", "qr/"),), memory_mb=512)),
    Route("GET", "/c/{card_id}/qr.svg", "handlers.public.card_qr_svg", roles=None, summary="QR code of the card URL (SVG)",
          needs=Needs(buckets=(BucketGrant("assets", "read_write", "qr/"),), memory_mb=512)),
    Route("POST", "/api/track/events", "handlers.track.events_beacon", roles=None, summary="Card page beacon (add_to_contacts, copy_email, share)",
          needs=Needs(memory_mb=512)),
    # "Share my details" on the card page: the visitor's details, mailed to the card's owner only (SES).
    Route("POST", "/api/track/cards/{card_id}/contact", "handlers.track.contact_share", roles=None,
          summary="Share my details with the card's owner (e-mailed; rate-limited; the contact_share flag)",
          needs=Needs(send_email=True, memory_mb=512, timeout_s=15)),
    # The official wallet badges the card page shows (static artwork in the code; no database).
    Route("GET", "/wallet-badges/{badge}", "handlers.public.wallet_badge", roles=None, summary="An official wallet badge (SVG)",
          needs=Needs(database=False, timeout_s=5)),
    # Wallet passes (issue 6): the card's signed Apple pass, its Google Wallet save link, and Apple's web
    # service for pass updates (Apple's status codes and bodies; `ApplePass <token>` auth where Apple sends one).
    # The passes read the brand's logos and the card's avatar thumbnails (Apple) or check the
    # brand's Google renditions exist (Google).
    Route("GET", "/c/{card_id}/wallet/apple", "handlers.public.card_wallet_apple", roles=None, summary="The card's signed Apple Wallet pass (.pkpass)",
          needs=Needs(secrets=("apple_pass",), buckets=(BucketGrant("assets", "read", "logos/"), BucketGrant("assets", "read", "avatars/")), memory_mb=512)),
    Route("GET", "/c/{card_id}/wallet/google", "handlers.public.card_wallet_google", roles=None, summary="302 to the card's Google Wallet save link",
          needs=Needs(secrets=("google_wallet",), buckets=(BucketGrant("assets", "read", "logos/"),), memory_mb=512, timeout_s=20)),
    Route("POST", "/wallet/v1/devices/{device_id}/registrations/{pass_type_id}/{serial}", "handlers.wallet.device_register", roles=None,
          summary="Apple Wallet: register a device for a pass's updates"),
    Route("DELETE", "/wallet/v1/devices/{device_id}/registrations/{pass_type_id}/{serial}", "handlers.wallet.device_unregister", roles=None,
          summary="Apple Wallet: unregister a device"),
    Route("GET", "/wallet/v1/devices/{device_id}/registrations/{pass_type_id}", "handlers.wallet.device_updates", roles=None,
          summary="Apple Wallet: serials of the device's passes updated since a tag"),
    Route("GET", "/wallet/v1/passes/{pass_type_id}/{serial}", "handlers.wallet.pass_latest", roles=None, summary="Apple Wallet: the latest version of a pass",
          needs=Needs(secrets=("apple_pass",), buckets=(BucketGrant("assets", "read", "logos/"), BucketGrant("assets", "read", "avatars/")), memory_mb=512)),
    Route("POST", "/wallet/v1/log", "handlers.wallet.device_log", roles=None, summary="Apple Wallet: device logs about the web service",
          needs=Needs(database=False, timeout_s=5)),
    # Google Wallet's signed save / delete callbacks (the URL in each pass class): added / removed events.
    Route("POST", "/wallet/google/callback", "handlers.wallet.google_callback", roles=None,
          summary="Google Wallet: a pass was saved or deleted (signed callback)", needs=Needs(secrets=("google_wallet",), timeout_s=10)),
    # Brands
    Route("GET", f"{ADMIN_PREFIX}/brands", "handlers.admin.brands_list", roles=ADMIN, summary="List brands"),
    Route("POST", f"{ADMIN_PREFIX}/brands", "handlers.admin.brands_create", roles=ADMIN, summary="Create a brand"),
    Route("GET", f"{ADMIN_PREFIX}/brands/{{brand_id}}", "handlers.admin.brands_get", roles=ADMIN, summary="Read a brand"),
    Route("PATCH", f"{ADMIN_PREFIX}/brands/{{brand_id}}", "handlers.admin.brands_update", roles=ADMIN, summary="Update a brand"),
    Route("POST", f"{ADMIN_PREFIX}/brands/{{brand_id}}/logo", "handlers.admin.brands_logo_upload", roles=ADMIN, summary="Start a logo upload (presigned POST; the image worker renders it)",
          needs=Needs(buckets=(BucketGrant("uploads", "write", "images/"),))),
    # Events
    Route("GET", f"{ADMIN_PREFIX}/events", "handlers.admin.events_list", roles=EVERYONE, summary="List events"),
    Route("POST", f"{ADMIN_PREFIX}/events", "handlers.admin.events_create", roles=EDITORS, summary="Create an event"),
    Route("GET", f"{ADMIN_PREFIX}/events/{{event_id}}", "handlers.admin.events_get", roles=EVERYONE, summary="Read an event"),
    Route("PATCH", f"{ADMIN_PREFIX}/events/{{event_id}}", "handlers.admin.events_update", roles=EDITORS, summary="Update an event"),
    Route("DELETE", f"{ADMIN_PREFIX}/events/{{event_id}}", "handlers.admin.events_archive", roles=EDITORS, summary="Archive an event"),
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/passes", "handlers.admin.passes_generate", roles=EDITORS,
          summary="Generate wallet passes for all or some attendees: a job", needs=Needs(send_queues=("passes",))),
    # Email: send each attendee their card (a job on the emails queue), and track it
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/emails", "handlers.admin.emails_send", roles=EDITORS,
          summary="Email attendees their card (all, a list, or those not yet sent), now or at send_at: a job", needs=Needs(send_queues=("emails",))),
    # The event's own card e-mail (subject and opening text with placeholders), its preview, and a test send to the caller
    Route("GET", f"{ADMIN_PREFIX}/events/{{event_id}}/email-template", "handlers.admin.email_template_get", roles=EDITORS,
          summary="The event's card e-mail template (the built-in wording when it has none)"),
    Route("PUT", f"{ADMIN_PREFIX}/events/{{event_id}}/email-template", "handlers.admin.email_template_put", roles=EDITORS,
          summary="Set the event's card e-mail subject and body (placeholders checked)"),
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/email-template/preview", "handlers.admin.email_template_preview", roles=EDITORS,
          summary="Render the card e-mail for an attendee or a sample person, without sending", needs=Needs(memory_mb=512)),
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/email-template/test", "handlers.admin.email_template_test", roles=EDITORS,
          summary="Send the card e-mail to the caller's own address (untracked)",
          needs=Needs(send_email=True, secrets=("tracking_hmac",), memory_mb=512, timeout_s=20)),
    Route("GET", "/api/track/email/open/{pixel}", "handlers.track.email_open", roles=None,
          summary="Open pixel of a card email (<message_id>.gif): always a 1x1 GIF", needs=Needs(timeout_s=5)),
    Route("GET", "/api/track/email/click/{message_id}", "handlers.track.email_click", roles=None,
          summary="Tracked link of a card email: 302 only to a link of that message", needs=Needs(secrets=("tracking_hmac",), timeout_s=5)),
    # RFC 8058 one-click unsubscribe (signed URL, no sign-in): the GET page only asks; the POST suppresses the address
    Route("GET", "/api/track/email/unsubscribe/{message_id}", "handlers.track.email_unsubscribe_page", roles=None,
          summary="The unsubscribe page of a card email (asks; changes nothing)", needs=Needs(secrets=("tracking_hmac",))),
    Route("POST", "/api/track/email/unsubscribe/{message_id}", "handlers.track.email_unsubscribe", roles=None,
          summary="One-click unsubscribe (RFC 8058): the address goes on the tenant's suppression list", needs=Needs(secrets=("tracking_hmac",))),
    # Attendees (creating one creates its card; updating one updates the card)
    Route("GET", f"{ADMIN_PREFIX}/events/{{event_id}}/attendees", "handlers.admin.attendees_list", roles=EDITORS, summary="List or search an event's attendees"),
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/attendees", "handlers.admin.attendees_create", roles=EDITORS, summary="Add an attendee (and its card)"),
    Route("GET", f"{ADMIN_PREFIX}/attendees/{{attendee_id}}", "handlers.admin.attendees_get", roles=EDITORS, summary="Read an attendee"),
    Route("PATCH", f"{ADMIN_PREFIX}/attendees/{{attendee_id}}", "handlers.admin.attendees_update", roles=EDITORS, summary="Update an attendee and its card"),
    Route("DELETE", f"{ADMIN_PREFIX}/attendees/{{attendee_id}}", "handlers.admin.attendees_delete", roles=EDITORS, summary="Delete an attendee (its card is soft-deleted)"),
    # Cards
    Route("GET", f"{ADMIN_PREFIX}/cards/{{card_id}}", "handlers.admin.cards_get", roles=EDITORS, summary="Read a card"),
    Route("PATCH", f"{ADMIN_PREFIX}/cards/{{card_id}}", "handlers.admin.cards_update", roles=EDITORS, summary="Update a card"),
    Route("POST", f"{ADMIN_PREFIX}/cards/{{card_id}}/avatar", "handlers.admin.cards_avatar_upload", roles=EDITORS, summary="Start an avatar upload (presigned POST; the image worker renders it)",
          needs=Needs(buckets=(BucketGrant("uploads", "write", "images/"),))),
    # Exhibitors: the sponsors and booths of an event (their staff are exhibitor users)
    Route("GET", f"{ADMIN_PREFIX}/events/{{event_id}}/exhibitors", "handlers.admin.exhibitors_list", roles=EDITORS, summary="List an event's exhibitors"),
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/exhibitors", "handlers.admin.exhibitors_create", roles=EDITORS, summary="Add an exhibitor (a sponsor or booth) to an event"),
    Route("GET", f"{ADMIN_PREFIX}/exhibitors/{{exhibitor_id}}", "handlers.admin.exhibitors_get", roles=EDITORS, summary="Read an exhibitor"),
    Route("PATCH", f"{ADMIN_PREFIX}/exhibitors/{{exhibitor_id}}", "handlers.admin.exhibitors_update", roles=EDITORS, summary="Update an exhibitor"),
    Route("DELETE", f"{ADMIN_PREFIX}/exhibitors/{{exhibitor_id}}", "handlers.admin.exhibitors_delete", roles=EDITORS,
          summary="Delete an exhibitor and its leads (its users lose their exhibitor)"),
    # CSV imports and the jobs they (and passes, emails, images) run as
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/imports", "handlers.admin.imports_create", roles=EDITORS, summary="Start a CSV import of attendees (presigned PUT, or the CSV in the body)",
          needs=Needs(buckets=(BucketGrant("uploads", "write", "imports/"),), send_queues=("imports",), memory_mb=512)),
    Route("POST", f"{ADMIN_PREFIX}/events/{{event_id}}/imports/preview", "handlers.admin.imports_preview", roles=EDITORS,
          summary="What the first KBs of a CSV would import as: detected columns, the first rows and their problems", needs=Needs(memory_mb=512)),
    Route("GET", f"{ADMIN_PREFIX}/jobs", "handlers.admin.jobs_list", roles=EDITORS, summary="The tenant's jobs, by event and kind"),
    Route("GET", f"{ADMIN_PREFIX}/jobs/{{job_id}}", "handlers.admin.jobs_get", roles=EDITORS, summary="A job's status, counts and errors"),
    Route("GET", f"{ADMIN_PREFIX}/jobs/{{job_id}}/errors", "handlers.admin.jobs_errors", roles=EDITORS, summary="Every failed item of a job (an import's refused rows), paged"),
    Route("POST", f"{ADMIN_PREFIX}/jobs/{{job_id}}/cancel", "handlers.admin.jobs_cancel", roles=EDITORS, summary="Cancel a scheduled job before it starts"),
    # Users (Cognito accounts with custom:tenant_id and custom:role); listing reads the database only
    Route("GET", f"{ADMIN_PREFIX}/users", "handlers.admin.users_list", roles=ADMIN, summary="List users"),
    Route("POST", f"{ADMIN_PREFIX}/users", "handlers.admin.users_invite", roles=EDITORS, needs=Needs(cognito_admin=True),
          summary="Invite a user (a user-role caller: exhibitor users only)"),
    Route("PATCH", f"{ADMIN_PREFIX}/users/{{user_id}}", "handlers.admin.users_update", roles=ADMIN, needs=Needs(cognito_admin=True), summary="Change a user's role, disable or enable"),
    # Feature flags and the audit trail
    Route("GET", f"{ADMIN_PREFIX}/feature-flags", "handlers.admin.feature_flags_get", roles=ADMIN, summary="Read the tenant's feature flags"),
    Route("PUT", f"{ADMIN_PREFIX}/feature-flags", "handlers.admin.feature_flags_put", roles=ADMIN, summary="Replace the tenant's feature flags"),
    Route("GET", f"{ADMIN_PREFIX}/audit-log", "handlers.admin.audit_log_list", roles=ADMIN, summary="Who changed what"),
    # The tenant's sender (the from address checked against SES's verified identities) and suppression list
    Route("GET", f"{ADMIN_PREFIX}/email-settings", "handlers.admin.email_settings_get", roles=ADMIN, summary="The tenant's e-mail sender"),
    Route("PUT", f"{ADMIN_PREFIX}/email-settings", "handlers.admin.email_settings_put", roles=ADMIN,
          summary="Set the tenant's e-mail sender (from name and address, reply-to)", needs=Needs(read_email_identities=True)),
    Route("GET", f"{ADMIN_PREFIX}/suppressions", "handlers.admin.suppressions_list", roles=ADMIN, summary="The addresses the tenant does not mail (search with q)"),
    Route("POST", f"{ADMIN_PREFIX}/suppressions", "handlers.admin.suppressions_add", roles=ADMIN, summary="Stop mailing an address"),
    Route("DELETE", f"{ADMIN_PREFIX}/suppressions/{{email}}", "handlers.admin.suppressions_delete", roles=ADMIN, summary="Mail an address again"),
    # Analytics: reports over from/to for the tenant or ?event_id=, read from the rollups plus the raw tail
    Route("GET", f"{ADMIN_PREFIX}/analytics/overview", "handlers.admin.analytics_overview", roles=EDITORS, summary="Headline numbers: cards, attendees, e-mails, views, wallet adds, exports"),
    Route("GET", f"{ADMIN_PREFIX}/analytics/email", "handlers.admin.analytics_email", roles=EDITORS, summary="E-mail funnel: unique and total per stage, machines excluded, raw alongside"),
    Route("GET", f"{ADMIN_PREFIX}/analytics/views", "handlers.admin.analytics_views", roles=EDITORS, summary="Card views by source, device, browser and OS"),
    Route("GET", f"{ADMIN_PREFIX}/analytics/wallet", "handlers.admin.analytics_wallet", roles=EDITORS, summary="Wallet passes by platform and event type"),
    Route("GET", f"{ADMIN_PREFIX}/analytics/exports", "handlers.admin.analytics_exports", roles=EDITORS, summary="Contact exports by type"),
    Route("GET", f"{ADMIN_PREFIX}/analytics/timeseries", "handlers.admin.analytics_timeseries", roles=EDITORS, summary="One metric per hour, day or week in the caller's time zone"),
    Route("GET", f"{ADMIN_PREFIX}/analytics/leads", "handlers.admin.analytics_leads", roles=EDITORS, summary="Leads captured per exhibitor, by rating"),
    Route("GET", f"{ADMIN_PREFIX}/analytics/export.csv", "handlers.admin.analytics_export_csv", roles=EDITORS, summary="The events behind a report as CSV (formula-safe); large ranges answer 303 to a presigned download",
          needs=Needs(buckets=(BucketGrant("uploads", "read_write", "analytics-exports/"),), memory_mb=1024, timeout_s=29)),
    # The exhibitor API: an exhibitor user's lead scanner (phone first, offline queue: idempotent
    # per card and client_id). The exhibitor is the caller's, from its users row. The fixed paths
    # come before /{lead_id} (the local test router matches in this order; API Gateway and the
    # local server prefer fixed segments anyway).
    Route("POST", "/api/v1/leads", "handlers.leads.leads_capture", roles=EXHIBITOR, summary="Capture a lead: scan an attendee's card"),
    Route("GET", "/api/v1/leads", "handlers.leads.leads_list", roles=EXHIBITOR, summary="The exhibitor's leads (search with q)"),
    Route("GET", "/api/v1/leads/summary", "handlers.leads.leads_summary", roles=EXHIBITOR, summary="The exhibitor and its lead counts"),
    Route("GET", "/api/v1/leads/export.csv", "handlers.leads.leads_export_csv", roles=EXHIBITOR, summary="The exhibitor's leads as CSV (formula-safe, UTF-8 with BOM)",
          needs=Needs(memory_mb=512, timeout_s=29)),
    Route("GET", "/api/v1/leads/{lead_id}", "handlers.leads.leads_get", roles=EXHIBITOR, summary="Read a lead"),
    Route("PATCH", "/api/v1/leads/{lead_id}", "handlers.leads.leads_update", roles=EXHIBITOR, summary="Notes, rating and tags of a lead"),
    Route("DELETE", "/api/v1/leads/{lead_id}", "handlers.leads.leads_delete", roles=EXHIBITOR, summary="Delete a lead"),
)

QUEUES: tuple[Queue, ...] = (
    Queue("imports", visibility_timeout_s=900),
    Queue("passes", visibility_timeout_s=300),
    Queue("emails", visibility_timeout_s=300),
    Queue("images", visibility_timeout_s=120),
    Queue("wallet_push", visibility_timeout_s=60),
)

WORKERS: tuple[Worker, ...] = (
    # One message = up to 50 attendees; sending stays under the SES rate with in-process backoff, and at most
    # 5 concurrent senders (the event source mapping's maximum concurrency) keep the total under it.
    Worker("send_emails", "emails", "handlers.workers.send_emails", batch_size=2,
           needs=Needs(send_email=True, secrets=("tracking_hmac",), memory_mb=512, timeout_s=120), max_concurrency=5),
    # Wallet: bulk pass generation (Apple .pkpass kept in S3 for e-mails, Google objects inserted), and the
    # refresh of a changed card's wallets (APNs pushes, Google object PATCH).
    Worker("generate_passes", "passes", "handlers.workers.generate_passes", batch_size=2,
           needs=Needs(secrets=("apple_pass", "google_wallet"), send_queues=("passes",),
                       buckets=(BucketGrant("assets", "read_write", "passes/"), BucketGrant("assets", "read", "logos/"),
                                BucketGrant("assets", "read", "avatars/")),
                       memory_mb=1024, timeout_s=240)),
    Worker("wallet_push", "wallet_push", "handlers.workers.wallet_push", batch_size=10,
           needs=Needs(secrets=("apple_pass", "apns", "google_wallet"), buckets=(BucketGrant("assets", "read", "logos/"),),
                       memory_mb=512, timeout_s=50)),
    # One CSV per message: the import is one transaction of up to 1,000,000 rows.
    Worker("import_attendees", "imports", "handlers.workers.import_attendees", batch_size=1,
           needs=Needs(buckets=(BucketGrant("uploads", "read", "imports/"),), memory_mb=1024, timeout_s=600)),
    Worker("process_image", "images", "handlers.workers.process_image", batch_size=5,
           needs=Needs(buckets=(BucketGrant("uploads", "read", "images/"), BucketGrant("assets", "write", "avatars/"),
                                BucketGrant("assets", "write", "logos/")), memory_mb=1024, timeout_s=90)),
)

SCHEDULES: tuple[Schedule, ...] = (
    # Wallet: relays committed card changes from the push outbox to the wallet_push queue.
    Schedule("wallet_outbox_relay", "handlers.jobs.wallet_outbox_relay", "rate(1 minute)",
             needs=Needs(send_queues=("wallet_push",), timeout_s=50)),
    # Starts the scheduled card e-mail jobs that are due (SQS delays cap at 15 minutes; see docs/decisions.md).
    Schedule("email_schedule", "handlers.jobs.email_schedule", "rate(1 minute)",
             needs=Needs(send_queues=("emails",), timeout_s=50)),
    # Counts new analytics rows into the rollups (exactly once, by ingest watermark); bounded by its timeout.
    Schedule("analytics_rollup", "handlers.jobs.analytics_rollup", "rate(5 minutes)", needs=Needs(memory_mb=512, timeout_s=240)),
    # Jobs whose work was dead-lettered end failed with the reason (the messages stay in the DLQs, alarmed).
    Schedule("dead_letter_jobs", "handlers.jobs.dead_letter_jobs", "rate(1 minute)",
             needs=Needs(dead_letters=("imports", "passes", "emails", "images"), timeout_s=50)),
    # Retention: expired message contexts, finished jobs, old audit log; analytics older than a year to S3.
    Schedule("retention", "handlers.jobs.retention", "cron(20 3 * * ? *)",
             needs=Needs(buckets=(BucketGrant("archive", "write", "analytics/"),), memory_mb=1024, timeout_s=900)),
)

TOPIC_CONSUMERS: tuple[TopicConsumer, ...] = (
    TopicConsumer("ses_events", topic="ses_events", handler="handlers.workers.ses_events", needs=Needs(timeout_s=30)),
)

# Uploads that start work by themselves (the CDK stack adds these notifications; local/aws.py too).
UPLOAD_TRIGGERS: tuple[UploadTrigger, ...] = (
    UploadTrigger("uploads", prefix="imports/", suffix="upload.csv", queue="imports"),  # CSV imports (presigned PUT)
    UploadTrigger("uploads", prefix="images/", suffix="/upload", queue="images"),  # avatars and logos (presigned POST)
)

# Logical secrets the functions may read (Secrets Manager names: outreachpass/<stage>/<name>).
SECRETS: tuple[str, ...] = ("apple_pass", "google_wallet", "tracking_hmac", "apns")


def find_route(method: str, path: str) -> Route:
    for route in ROUTES:
        if route.method == method and route.path == path:
            return route
    raise KeyError(f"{method} {path}")


# The environment contract between the infrastructure (stacks/ and local/) and the runtime
# (outreachpass.config): which variable carries which resource of a function's Needs.
def bucket_env(bucket: str) -> str:
    return f"{bucket.upper()}_BUCKET"


def queue_env(queue: str) -> str:
    return f"{queue.upper()}_QUEUE_URL"


def dead_letter_env(queue: str) -> str:
    return f"{queue.upper()}_DLQ_URL"


def secret_env(secret: str) -> str:
    return f"{secret.upper()}_SECRET_ARN"


# Origin verification (issue 12): CloudFront adds this header to every request it sends to the API, with the
# `current` value of the secret below; public routes refuse requests without a value the secret holds.
ORIGIN_VERIFY_HEADER = "x-origin-verify"
ORIGIN_VERIFY_SECRET = "origin_verify"  # noqa: S105 (a secret's name) not in SECRETS: generated by the edge stack


# Always set on every function:
#   STAGE, PUBLIC_BASE_URL (https://cards.example.com, no trailing slash),
#   POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL.
# Set on every function of an application (platform or silo copy): ASSETS_BASE_URL (the same as
#   PUBLIC_BASE_URL, the edge; CloudFront serves the assets bucket's avatars/ and logos/ there).
# Set on every public route's function: ORIGIN_VERIFY_SECRET_ARN (secret_env(ORIGIN_VERIFY_SECRET)).
# Set when Needs.database: DB_HOST, DB_PORT, DB_NAME, DB_SECRET_ARN (the application
#   role's credentials), or DATABASE_URL instead (local stack, tests).
# Set per Needs.dead_letters: <QUEUE>_DLQ_URL (dead_letter_env), the URL of that queue's DLQ.
# Set when Needs.cognito_admin: USER_POOL_ID.
# Set when Needs.send_email: SES_CONFIGURATION_SET, DEFAULT_SENDER.
