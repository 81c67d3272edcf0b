"""Whether SES may send from an address: the verified identities that cover it (SES v2 GetEmailIdentity).

SES sends from an address when the address itself is a verified identity, or its domain is, or a
parent domain of it is (a verified example.com covers news.example.com and anyone@ either). So an
address is looked up in that order, most specific first, until a verified one covers it. An
identity added but not verified (PENDING, FAILED, ...) covers nothing; the answer then names the
most specific one SES knows, so the error can say what to finish.

boto3 is imported on first use (through integrations.aws).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VERIFIED = "SUCCESS"
# Not an identity this platform sends from: unknown to SES, or outside what the function's role may
# read (exactly the identities the send functions may use; cdk_app/function.py).
NOT_OURS = frozenset({"NotFoundException", "AccessDeniedException", "AccessDenied"})


class IdentityLookupFailed(Exception):
    """SES could not be asked (unreachable, throttled, not allowed): not an answer about the address."""


@dataclass(frozen=True)
class Coverage:
    verified: bool
    identity: str | None  # the identity that decided (None: SES knows none that would cover it)
    status: str | None  # its VerificationStatus


def candidates(address: str) -> list[str]:
    """The identities that could cover `address`, most specific first: the address, its domain,
    then each parent domain with at least two labels."""
    domain = address.rpartition("@")[2].lower()
    labels = domain.split(".")
    return [address.lower()] + [".".join(labels[i:]) for i in range(0, max(len(labels) - 1, 1))]


def sending_identity(address: str, *, client: Any = None) -> Coverage:
    """Which verified SES identity lets us send from `address`, if any."""
    from botocore.exceptions import BotoCoreError, ClientError

    from outreachpass.integrations.aws import client as aws_client

    ses = client or aws_client("sesv2")
    known: Coverage | None = None
    for name in candidates(address):
        try:
            found = ses.get_email_identity(EmailIdentity=name)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_OURS:
                continue
            raise IdentityLookupFailed(str(exc.response.get("Error", {}).get("Code") or "ClientError")) from exc
        except BotoCoreError as exc:
            raise IdentityLookupFailed(type(exc).__name__) from exc
        status = found.get("VerificationStatus")
        # VerifiedForSendingStatus says the same in AWS; moto leaves it False for verified identities.
        if status == VERIFIED or found.get("VerifiedForSendingStatus") is True:
            return Coverage(verified=True, identity=name, status=status)
        known = known or Coverage(verified=False, identity=name, status=status)
    return known or Coverage(verified=False, identity=None, status=None)
