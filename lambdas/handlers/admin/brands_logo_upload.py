"""POST /api/v1/admin/brands/{brand_id}/logo: start a logo upload for a brand.

Returns 202 with an `images` job and a presigned POST: send the form `fields`, then the image as
the `file` part (PNG, JPEG or WebP, up to 10 MiB; a transparent PNG works best). The image
worker renders the wallet pass logo and icon at 1x/2x/3x and sets the brand theme's logo; poll
GET /api/v1/admin/jobs/{job_id}.
"""

from __future__ import annotations

from uuid import UUID

from aws_lambda_powertools.event_handler import Response

from outreachpass.api import current_principal, http_handler, new_router, ok
from outreachpass.api.body import decoded_body, parse_json
from outreachpass.models.envelope import Envelope
from outreachpass.models.uploads import ImageUploadCreate, ImageUploadStarted
from outreachpass.services.images import start_logo_upload

router = new_router()


@router.post(
    "/api/v1/admin/brands/<brand_id>/logo",
    status_code=202,
    description="Presigned POST for a brand's logo (PNG, JPEG or WebP, up to 10 MiB); optional JSON body {\"content_type\": ...}.",
)
def brands_logo_upload(brand_id: UUID) -> Response[Envelope[ImageUploadStarted]]:
    # The body is optional (an empty POST is fine), so it is read here rather than declared.
    request = parse_json(decoded_body(router.current_event.raw_event), ImageUploadCreate)
    started = start_logo_upload(current_principal(), brand_id, request.content_type)
    return ok(started, status=202, headers={"location": f"/api/v1/admin/jobs/{started['job']['job_id']}"})


handler = http_handler(router, roles=("admin",))
