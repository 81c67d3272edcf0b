"""The tenant's sender (GET/PUT /api/v1/admin/email-settings)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from outreachpass.models.common import LowerEmail, RequestModel, one_line

SenderName = Annotated[str, one_line(200)]


class EmailSettingsPut(RequestModel):
    """Who the tenant's card e-mails come from. A field left out or null falls back to the platform's
    default (the default sender; the brand's name)."""

    from_name: SenderName | None = Field(default=None, description="The name shown as the sender; default: the event's brand name")
    from_email: LowerEmail | None = Field(
        default=None,
        description="The address the e-mails come from: its domain (or the address itself) must be an identity verified "
        "in SES (refused with SENDER_NOT_VERIFIED otherwise); default: the platform's sender",
    )
    reply_to: LowerEmail | None = Field(default=None, description="Where replies go; default: the sender")


class EmailSettingsOut(BaseModel):
    """The tenant's sender; null fields use the platform's default (its sender address, the event's brand name, no Reply-To)."""

    from_name: str | None
    from_email: str | None
    reply_to: str | None
    updated_at: datetime | None = Field(description="null: never set")
