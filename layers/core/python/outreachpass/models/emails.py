"""Request and response shapes of the card e-mail routes: sending (POST .../events/{event_id}/emails,
the job comes back as JobOut) and the event's own template (GET/PUT .../email-template, its preview
and test send)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from outreachpass.models.common import MULTI_LINE, RequestModel, one_line

Audience = Literal["all", "unsent", "selected"]
MAX_SELECTED = 5000
MAX_SCHEDULE_DAYS = 90  # how far ahead a send may be scheduled

Subject = Annotated[str, one_line(200)]
Message = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=MULTI_LINE)]
TemplateBody = Annotated[str, StringConstraints(min_length=1, max_length=10000, pattern=MULTI_LINE)]
# Their placeholders are checked by the services (services/email/templates.check_placeholders).
PLACEHOLDER_HELP = "Placeholders: {{ name }} or {{ name | text when empty }}; GET .../email-template lists the names; others are refused."


class EmailSendRequest(RequestModel):
    """Who gets their card by email, and when:

    - `unsent` (the default): every attendee of the event without a sent card email yet;
    - `all`: every attendee, again;
    - `selected`: the attendees in `attendee_ids` (giving attendee_ids implies it).

    With `send_at` the job waits (status `scheduled`) until then, and can be cancelled until it
    starts (POST /api/v1/admin/jobs/{job_id}/cancel); who `unsent` and `all` mean is decided when
    it starts. Suppressed addresses (hard bounces, complaints, unsubscribes, added by hand) and
    attendees without an email address are skipped and counted as such in the job. An attendee
    whose message cannot be built (an address stored with a line break) fails alone, with the
    item error code MESSAGE_NOT_BUILT; the rest of the send goes on.
    """

    audience: Audience | None = None
    attendee_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=MAX_SELECTED)
    subject: Subject | None = Field(default=None, description="Default: the event's template subject, else 'Your digital card for <event name>'. " + PLACEHOLDER_HELP)
    message: Message | None = Field(default=None, description="A paragraph added to the email (plain text). " + PLACEHOLDER_HELP)
    send_at: AwareDatetime | None = Field(
        default=None,
        description=f"When to send (with its time zone offset): in the future, at most {MAX_SCHEDULE_DAYS} days ahead. "
        "Sent within a minute of that time. Omitted: now.",
    )


class EmailTemplatePut(RequestModel):
    """The event's own subject and opening text (in place of the built-in greeting and introduction;
    the card button, QR code, wallet buttons and footer stay). Plain text: a blank line starts a
    paragraph. """

    subject: Subject = Field(description=PLACEHOLDER_HELP)
    body: TemplateBody = Field(description=PLACEHOLDER_HELP + " A link placeholder's text is the link's text: {{ card_url | Open your card }}.")


class PlaceholderOut(BaseModel):
    name: str
    description: str


class EmailTemplateOut(BaseModel):
    event_id: UUID
    subject: str
    body: str
    is_default: bool = Field(description="True: the event has no template of its own; this is the built-in e-mail's wording")
    updated_at: datetime | None
    placeholders: list[PlaceholderOut]


class EmailRenderRequest(RequestModel):
    """Render the event's card e-mail for one attendee (else a sample person), with the template as
    saved, or with the subject and body given here (unsaved edits)."""

    attendee_id: UUID | None = Field(default=None, description="An attendee of the event; omitted: a sample person")
    subject: Subject | None = None
    body: TemplateBody | None = None


class EmailPreviewOut(BaseModel):
    """The e-mail as it would be sent. Links go straight to their destinations here (a real send
    tracks them); the QR code is inline (a data: URL) instead of an attachment."""

    subject: str
    html: str
    text: str
    from_address: str | None = Field(description="null: the platform's default sender")
    from_name: str | None
    reply_to: str | None
    attendee_id: UUID | None = Field(description="The attendee it was rendered for; null for the sample person")
    headers: dict[str, str] = Field(description="The headers a real send adds (List-Unsubscribe and List-Unsubscribe-Post)")


class EmailTestOut(BaseModel):
    """A test send went to the caller's own address (subject starting with [Test]); it is not tracked."""

    to: str
    subject: str
    message_id: str
