"""Request shapes of POST /api/v1/admin/events/{event_id}/emails (the job comes back as JobOut)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from outreachpass.models.common import MULTI_LINE, RequestModel, one_line

Audience = Literal["all", "unsent", "selected"]
MAX_SELECTED = 5000

Subject = Annotated[str, one_line(200)]
Message = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=MULTI_LINE)]


class EmailSendRequest(RequestModel):
    """Who gets their card by email:

    - `unsent` (the default): every attendee of the event without a sent card email yet;
    - `all`: every attendee, again;
    - `selected`: the attendees in `attendee_ids` (giving attendee_ids implies it).

    Suppressed addresses (hard bounces, complaints) and attendees without an email address
    are skipped and counted as such in the job. An attendee whose message cannot be built
    (an address stored with a line break) fails alone, with the item error code
    MESSAGE_NOT_BUILT; the rest of the send goes on.
    """

    audience: Audience | None = None
    attendee_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=MAX_SELECTED)
    subject: Subject | None = Field(default=None, description="Default: 'Your digital card for <event name>'")
    message: Message | None = Field(default=None, description="A paragraph added to the email (plain text)")
