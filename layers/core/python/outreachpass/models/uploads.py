"""Image upload request and response shapes (avatars, logos)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from outreachpass.models.common import RequestModel
from outreachpass.models.jobs import JobOut, UploadOut

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

