"""S3 objects by logical bucket name ("uploads", "assets", "archive"; see lambdas/routes.py):
presigned uploads, streaming reads, small writes.

Buckets are named by their logical name and resolved through `settings().bucket(name)`, so
a function can only reach the buckets its Needs grant (the variable is not set otherwise).
boto3 is imported on first use (aws.client), never at import time.

Presigned URLs are signed with SigV4 (aws.presigner) by the function's own role: the URL can
do what that role may do, for `expires_s`, on exactly one key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from outreachpass.config import settings
from outreachpass.integrations.aws import client, presigner

DEFAULT_EXPIRES_S = 15 * 60
READ_CHUNK_BYTES = 256 * 1024


class ObjectNotFound(Exception):
    """The key does not exist (or is not readable) in the bucket."""


class ObjectTooLarge(Exception):
    def __init__(self, size: int, limit: int):
        super().__init__(f"object is {size} bytes; the limit is {limit}")
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class PresignedUpload:
    """How a client uploads one object: `method` to `url` with `headers` (PUT) or the form
    `fields` plus a `file` part last (POST)."""

    method: str
    url: str
    key: str
    expires_at: datetime
    max_bytes: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class StoredObject:
    key: str
    size: int
    content_type: str | None
    etag: str | None
    _body: Any = None

    def chunks(self, size: int = READ_CHUNK_BYTES) -> Iterator[bytes]:
        """The object's bytes, streamed; iterate once."""
        body, self._body = self._body, None
        if body is None:
            raise RuntimeError("the object body was already read")
        try:
            yield from body.iter_chunks(size)
        finally:
            body.close()


def bucket_name(bucket: str) -> str:
    return settings().bucket(bucket)


def presign_put(bucket: str, key: str, *, expires_s: int = DEFAULT_EXPIRES_S, content_type: str | None = None) -> PresignedUpload:
    """A URL to PUT one object. S3 cannot cap a PUT's size: the consumer checks it (see get_stream).
    With content_type, the client must send exactly that Content-Type header (it is signed)."""
    params: dict[str, Any] = {"Bucket": bucket_name(bucket), "Key": key}
    headers: dict[str, str] = {}
    if content_type:
        params["ContentType"] = content_type
        headers["content-type"] = content_type
    url = presigner().generate_presigned_url("put_object", Params=params, ExpiresIn=expires_s, HttpMethod="PUT")
    return PresignedUpload(method="PUT", url=url, key=key, expires_at=_expiry(expires_s), headers=headers)


def presign_post(
    bucket: str,
    key: str,
    *,
    max_bytes: int,
    content_type: str | None = None,
    content_type_prefix: str | None = None,
    expires_s: int = DEFAULT_EXPIRES_S,
) -> PresignedUpload:
    """A browser form upload (POST) S3 itself holds to 1..max_bytes bytes and the content type
    (exact, or starting with `content_type_prefix`)."""
    fields: dict[str, str] = {}
    conditions: list[Any] = [["content-length-range", 1, max_bytes]]
    if content_type:
        fields["Content-Type"] = content_type
        conditions.append({"Content-Type": content_type})
    elif content_type_prefix:
        conditions.append(["starts-with", "$Content-Type", content_type_prefix])
    post = presigner().generate_presigned_post(
        bucket_name(bucket), key, Fields=fields or None, Conditions=conditions, ExpiresIn=expires_s
    )
    return PresignedUpload(
        method="POST", url=post["url"], key=key, expires_at=_expiry(expires_s), max_bytes=max_bytes, fields=dict(post["fields"])
    )


def presign_get(bucket: str, key: str, *, expires_s: int = DEFAULT_EXPIRES_S) -> str:
    """A URL to GET one object for `expires_s` (the card page's avatar and logo)."""
    url: str = presigner().generate_presigned_url(
        "get_object", Params={"Bucket": bucket_name(bucket), "Key": key}, ExpiresIn=expires_s
    )
    return url


def head(bucket: str, key: str) -> dict[str, Any] | None:
    """The object's metadata (ContentLength, ContentType, ETag, Metadata), or None when absent."""
    try:
        metadata: dict[str, Any] = client("s3").head_object(Bucket=bucket_name(bucket), Key=key)
        return metadata
    except Exception as exc:
        if _is_missing(exc):
            return None
        raise


def get_stream(bucket: str, key: str, *, max_bytes: int | None = None) -> StoredObject:
    """Open an object for streaming; ObjectNotFound / ObjectTooLarge (checked before any byte is read)."""
    try:
        response = client("s3").get_object(Bucket=bucket_name(bucket), Key=key)
    except Exception as exc:
        if _is_missing(exc):
            raise ObjectNotFound(key) from None
        raise
    size = int(response.get("ContentLength") or 0)
    body = response["Body"]
    if max_bytes is not None and size > max_bytes:
        body.close()
        raise ObjectTooLarge(size, max_bytes)
    return StoredObject(key=key, size=size, content_type=response.get("ContentType"), etag=response.get("ETag"), _body=body)


def get_bytes(bucket: str, key: str, *, max_bytes: int) -> bytes:
    """A small object's bytes (refused above max_bytes, before reading it)."""
    stored = get_stream(bucket, key, max_bytes=max_bytes)
    return b"".join(stored.chunks())


def put_bytes(
    bucket: str,
    key: str,
    data: bytes,
    *,
    content_type: str,
    cache_control: str | None = None,
    metadata: dict[str, str] | None = None,
) -> None:
    params: dict[str, Any] = {"Bucket": bucket_name(bucket), "Key": key, "Body": data, "ContentType": content_type}
    if cache_control:
        params["CacheControl"] = cache_control
    if metadata:
        params["Metadata"] = metadata
    client("s3").put_object(**params)


def delete(bucket: str, key: str) -> None:
    client("s3").delete_object(Bucket=bucket_name(bucket), Key=key)


def _expiry(expires_s: int) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=expires_s)).replace(microsecond=0)


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = str((response.get("Error") or {}).get("Code", ""))
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code in ("NoSuchKey", "404", "NotFound") or status == 404


def tenant_and_job(pattern: re.Pattern[str], key: str) -> tuple[UUID, UUID] | None:
    """(tenant_id, job_id) from an upload key matched by `pattern` (groups `tenant` and `job`);
    None for any other key, so a stray object never starts work."""
    found = pattern.match(key)
    if not found:
        return None
    try:
        return UUID(found["tenant"]), UUID(found["job"])
    except ValueError:
        return None
