"""Set-up shared by the exhibitor tests: events, exhibitors and exhibitor users made as the
database owner (the routes that make them have tests of their own)."""

from __future__ import annotations

import uuid

import psycopg


def make_event(database, tenant_id, *, name: str = "Expo", timezone: str = "UTC") -> uuid.UUID:
    tag = uuid.uuid4().hex[:10]
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        brand_id = conn.execute(
            "INSERT INTO brands (tenant_id, brand_key, display_name) VALUES (%s, %s, 'Brand') RETURNING brand_id", (tenant_id, f"B{tag}")
        ).fetchone()[0]
        return conn.execute(
            """INSERT INTO events (tenant_id, brand_id, name, slug, starts_at, ends_at, timezone, status)
               VALUES (%s, %s, %s, %s, '2031-05-01T09:00Z', '2031-05-02T18:00Z', %s, 'active') RETURNING event_id""",
            (tenant_id, brand_id, name, f"expo-{tag}", timezone),
        ).fetchone()[0]


def make_exhibitor(database, tenant_id, event_id=None, *, name: str = "Booth") -> uuid.UUID:
    """An exhibitor of `event_id` (of a new event when none is given)."""
    event_id = event_id or make_event(database, tenant_id)
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        return conn.execute(
            "INSERT INTO exhibitors (tenant_id, event_id, name) VALUES (%s, %s, %s) RETURNING exhibitor_id", (tenant_id, event_id, name)
        ).fetchone()[0]


def attach(database, tenant_id, sub_or_email: str, exhibitor_id) -> None:
    """Make the exhibitor user with this Cognito sub (or e-mail) work for `exhibitor_id`."""
    with psycopg.connect(database.admin_url, autocommit=True) as conn:
        updated = conn.execute(
            "UPDATE users SET exhibitor_id = %s WHERE tenant_id = %s AND (cognito_sub = %s OR lower(email) = lower(%s))",
            (exhibitor_id, tenant_id, sub_or_email, sub_or_email),
        ).rowcount
    assert updated == 1, f"no user {sub_or_email}"


def exhibitor_claims(claims_for, database, tenant_id, exhibitor_id) -> dict:
    """Claims of a new exhibitor user of `exhibitor_id` (users row included)."""
    claims = claims_for(tenant_id, "exhibitor")
    attach(database, tenant_id, claims["sub"], exhibitor_id)
    return claims
