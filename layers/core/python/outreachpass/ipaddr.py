"""Client IP addresses as the tracking tables store them (INET): one normalised address, or
None for anything that is not one. Tracking input never fails a request, so nothing here raises.
The address is for analytics only and is never logged."""

from __future__ import annotations

import ipaddress


def clean_ip(value: str | None) -> str | None:
    """`value` as a canonical IPv4 or IPv6 address (surrounding spaces ignored), else None."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
