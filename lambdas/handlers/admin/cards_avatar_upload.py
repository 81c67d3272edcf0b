"""POST /api/v1/admin/cards/{card_id}/avatar: start an avatar upload for a card.

Returns 202 with an `images` job and a presigned POST: send the form `fields`, then the image as
the `file` part (PNG, JPEG or WebP, up to 10 MiB). The image worker checks it, renders the
card page avatar, the vCard photo and the wallet thumbnails, and sets the card's avatar; poll
GET /api/v1/admin/jobs/{job_id}. Optional JSON body: {"content_type": "image/png"} to have S3
hold the upload to that exact type.
"""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.api.body import decoded_body, parse_json
from outreachpass.models.envelope import Envelope
from outreachpass.models.uploads import ImageUploadCreate, ImageUploadStarted
from outreachpass.services.images import start_avatar_upload

router = new_router()


@router.post(
    "/api/v1/admin/cards/<card_id>/avatar",
    status_code=202,
    description="Presigned POST for a card's avatar (PNG, JPEG or WebP, up to 10 MiB); optional JSON body {\"content_type\": ...}.",
)
def cards_avatar_upload(card_id: UUID) -> Response[Envelope[ImageUploadStarted]]:
    # The body is optional (an empty POST is fine), so it is read here rather than declared.
    request = parse_json(decoded_body(router.current_event.raw_event), ImageUploadCreate)
    started = start_avatar_upload(current_principal(), card_id, request.content_type)
    return ok(started, status=202, headers={"location": f"/api/v1/admin/jobs/{started['job']['job_id']}"})


handler = http_handler(router, roles=("admin", "user"))
