"""Brands: the look (colours, logo, name, domain) of a tenant's cards, passes and emails."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from outreachpass.data import brands as brands_data
from outreachpass.data.conn import held
from outreachpass.data.pagination import Cursor
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Conflict, NotFound
from outreachpass.models.brands import BrandCreate, BrandOut, BrandUpdate
from outreachpass.principal import Principal
from outreachpass.services.audit import record_change
from outreachpass.services.wallet.hooks import on_brand_changed

BRAND_KEY_CONSTRAINT = "brands_tenant_brand_key_key"


def create_brand(principal: Principal, request: BrandCreate) -> BrandOut:
    values = {
        "brand_key": request.brand_key,
        "display_name": request.display_name,
        "domain": request.domain,
        "theme_json": request.theme.model_dump(),
        "features_json": request.features,
    }
    with tenant_tx(principal.tenant_id) as conn:
        try:
            brand = brands_data.insert(conn, principal.tenant_id, values)
        except psycopg.errors.UniqueViolation as exc:
            raise Conflict(f"A brand with key '{request.brand_key}' already exists", code="BRAND_KEY_TAKEN") from exc
        record_change(conn, principal, action="brand.create", entity_type="brand", entity_id=brand["brand_id"], before=None, after=brand)
    return BrandOut.model_validate(brand)


def get_brand(principal: Principal, brand_id: UUID) -> BrandOut:
    with tenant_tx(principal.tenant_id) as conn:
        brand = brands_data.get(conn, principal.tenant_id, brand_id)
    if brand is None:
        raise NotFound("brand", brand_id)
    return BrandOut.model_validate(brand)


def list_brands(principal: Principal, *, limit: int, cursor: str | None) -> tuple[list[BrandOut], str | None]:
    after = Cursor.decode(cursor)
    with tenant_tx(principal.tenant_id) as conn:
        rows, next_cursor = brands_data.list_page(conn, principal.tenant_id, limit=limit, cursor=after)
    return [BrandOut.model_validate(row) for row in rows], next_cursor


def update_brand(principal: Principal, brand_id: UUID, request: BrandUpdate) -> BrandOut:
    changes: dict[str, Any] = {}
    provided = request.model_fields_set
    if "display_name" in provided and request.display_name is not None:
        changes["display_name"] = request.display_name
    if "domain" in provided:
        changes["domain"] = request.domain
    if "features" in provided and request.features is not None:
        changes["features_json"] = request.features
    with tenant_tx(principal.tenant_id) as conn:
        before = brands_data.get(conn, principal.tenant_id, brand_id, for_update=True)
        if before is None:
            raise NotFound("brand", brand_id)
        if "theme" in provided and request.theme is not None:
            # A theme update is a merge, so changing one colour keeps the logo.
            changes["theme_json"] = {**(before["theme_json"] or {}), **request.theme.model_dump(exclude_unset=True)}
        after = held(brands_data.update(conn, principal.tenant_id, brand_id, changes))
        record_change(conn, principal, action="brand.update", entity_type="brand", entity_id=brand_id, before=before, after=after)
        on_brand_changed(conn, principal.tenant_id, before, after)  # its wallet passes show the new name and colours
    return BrandOut.model_validate(after)
