"""The suppression list as the API shows it (GET/POST /api/v1/admin/suppressions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from outreachpass.models.common import MULTI_LINE, LowerEmail, RequestModel

SuppressionReason = Literal["bounce", "complaint", "unsubscribe", "manual"]
REASON_HELP = ("bounce: a permanent bounce (SES); complaint: marked as spam (SES); unsubscribe: the recipient's "
               "one-click unsubscribe; manual: added by an admin")


class SuppressionCreate(RequestModel):
    email: LowerEmail
    reason: SuppressionReason = Field(default="manual", description=REASON_HELP)
    note: Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=MULTI_LINE)] | None = Field(default=None, description="Why (for the other admins)")


class SuppressionOut(BaseModel):
    email: str
    reason: SuppressionReason = Field(description=REASON_HELP)
    note: str | None
    created_at: datetime = Field(description="When the address was suppressed")
