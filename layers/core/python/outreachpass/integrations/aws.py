"""boto3 clients: the one factory, created on first use and reused for the container's life.

    client("sqs")                      standard retries, short timeouts: almost every call
    client("sesv2", flavour="once")    one attempt per call: SendEmail is not idempotent, the
                                       caller retries only what certainly did not arrive
    presigner()                        S3 that signs URLs with SigV4 (botocore still defaults to
                                       SigV2 for some presigned S3 requests, which newer regions
                                       refuse); it never calls S3 itself

boto3 honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>), so the same code talks to
moto locally and to AWS in Lambda. A client is kept per service, flavour, region and endpoint,
so the local stack and tests can switch endpoints (`reset_clients` forgets them all).
Importing this module imports no boto3: functions that never call AWS never pay for it at
cold start.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from outreachpass.config import settings
from outreachpass.lazy import lazy

Flavour = Literal["standard", "once", "presign"]

_CONFIGS: dict[str, dict[str, Any]] = {
    "standard": {"retries": {"mode": "standard", "max_attempts": 5}, "connect_timeout": 3, "read_timeout": 10},
    "once": {"retries": {"mode": "standard", "max_attempts": 1}, "connect_timeout": 3, "read_timeout": 15},
    "presign": {"signature_version": "s3v4"},
}


def client(service: str, *, flavour: Flavour = "standard") -> Any:
    """The container's boto3 client for `service` (configured as `flavour`)."""
    return _client(service, flavour, settings().region, _endpoint(service))


def presigner() -> Any:
    """An S3 client for presigned URLs and POSTs, signed with SigV4 by the function's own role."""
    return client("s3", flavour="presign")


def reset_clients() -> None:
    """Forget the clients (tests and the local stack switch endpoints and credentials)."""
    _client.reset()


def _endpoint(service: str) -> str | None:
    # Only a cache key: boto3 reads the same variables itself when it builds the client.
    return os.environ.get(f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}") or os.environ.get("AWS_ENDPOINT_URL")


@lazy
def _client(service: str, flavour: str, region: str, endpoint: str | None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(service, region_name=region, config=Config(**_CONFIGS[flavour]))
