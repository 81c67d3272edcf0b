"""What the console's pages may do in a browser: the Content-Security-Policy and the other security headers
CloudFront adds to every /admin/ response (stacks/edge/console.py).

Plain values, no CDK, so the local stack can serve the console with the very same policy. The console talks
to its own origin (the admin API is routed through the same distribution), to Cognito's IdP endpoint of the
region (sign-in, refresh, revocation) and to the uploads bucket (presigned PUT of CSVs, presigned POST of
images); it loads nothing from anywhere else and runs nothing inline.
"""

from __future__ import annotations

from collections.abc import Sequence

# Hashed build output (web/dist/assets/*): a new build gets new names, so a year and immutable is safe.
IMMUTABLE = "public, max-age=31536000, immutable"
# index.html and config.json name the current build and the stage's settings: revalidated every time.
NO_CACHE = "no-cache"
HSTS_MAX_AGE_S = 2 * 365 * 24 * 3600
REFERRER_POLICY = "strict-origin-when-cross-origin"
# The exhibitors' lead scanner reads QR codes with the phone's camera; nothing else is needed.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


def cognito_origin(region: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com"


def upload_origins(bucket_name: str, region: str) -> tuple[str, ...]:
    """The uploads bucket as presigned URLs name it: botocore signs for the global host
    (<bucket>.s3.amazonaws.com) and S3 may point a browser at the regional one."""
    return (f"https://{bucket_name}.s3.amazonaws.com", f"https://{bucket_name}.s3.{region}.amazonaws.com")


def content_security_policy(connect_sources: Sequence[str]) -> str:
    """Scripts and styles from this origin only (nothing inline, no eval), images also from data:/blob:
    (previews before upload), frames only of this origin (the real card page), no one may frame the console."""
    connect = " ".join(["'self'", *connect_sources])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            f"connect-src {connect}",
            "frame-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


def console_connect_sources(region: str, uploads_bucket: str) -> tuple[str, ...]:
    return (cognito_origin(region), *upload_origins(uploads_bucket, region))
