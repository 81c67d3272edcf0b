"""Image upload request and response shapes (avatars, logos)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from outreachpass.models.common import RequestModel
from outreachpass.models.imports import UploadOut
from outreachpass.models.jobs import JobOut

ImageContentType = Literal["image/png", "image/jpeg", "image/webp"]


class ImageUploadCreate(RequestModel):
    content_type: ImageContentType | None = None


class ImageLimits(BaseModel):
    max_bytes: int
    max_pixels: int
    min_side: int
    content_types: list[str]


class ImageUploadStarted(BaseModel):
    job: JobOut
    upload: UploadOut
    limits: ImageLimits


def image_upload_request(event: dict[str, Any]) -> ImageUploadCreate:
    """The optional JSON body of an image upload request (an empty POST is fine)."""
    from outreachpass.api.app import decoded_body, validation_details
    from outreachpass.errors import ValidationFailed

    body = decoded_body(event)
    if not body.strip():
        return ImageUploadCreate()
    try:
        return ImageUploadCreate.model_validate_json(body)
    except ValidationError as exc:
        if any(err.get("type") == "json_invalid" for err in exc.errors()):
            raise ValidationFailed("The request body is not valid JSON", code="INVALID_JSON") from None
        raise ValidationFailed("The request is invalid", details=validation_details(exc.errors())) from None
