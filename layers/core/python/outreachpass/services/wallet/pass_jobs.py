"""Bulk pass generation: POST /api/v1/admin/events/{event_id}/passes and its worker.

The request (one transaction) checks the selection, creates the `passes` job and one
pass_generation_jobs item per card and platform (so `total` is known at once), and after
commit sends one "plan" message to the passes queue. The worker turns the plan into
messages of CHUNK items; each item is processed on its own:

1. claim it (queued/running -> running, attempts + 1), read the card;
2. outside any transaction: build and store the .pkpass in S3 (Apple) or insert the object
   at Google; an item whose pass is current at the card's vcard_rev is skipped (unless the
   job was started with force);
3. record the result: the pass row, the item finished (once: a redelivered message finds it
   finished and counts nothing), the job's counters, a `generated` wallet event.

Idempotent per card and vcard_rev: there is one pass row per card and platform (a
redelivered or duplicated message never creates another), the S3 key carries the vcard_rev,
and counters move only when an item finishes. A transient failure (S3, Google throttling)
fails the message, which SQS redelivers; at the last attempt the item is recorded failed
instead, so the job always finishes. The job is failed when every item failed, succeeded
otherwise, with per-item errors in `errors`. A tenant disabled while its job waits or runs
stops it: each claim checks the tenant's status in its first round trip (tenant_tx with
active_tenant), and the job ends failed with code TENANT_DISABLED, its pending items failed.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from outreachpass.data import events as events_data
from outreachpass.data import jobs as jobs_data
from outreachpass.data import pass_jobs as pass_jobs_data
from outreachpass.data import users as users_data
from outreachpass.data import wallet as wallet_data
from outreachpass.data.conn import held
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import AppError, Conflict, NotFound, ServiceUnavailable, ValidationFailed
from outreachpass.integrations import queues
from outreachpass.models.wallet import PassesGenerate
from outreachpass.observability import logger
from outreachpass.principal import Principal, TenantDisabled
from outreachpass.services.audit import record_change
from outreachpass.services.feature_flags import Features, event_features
from outreachpass.services.jobs import TENANT_DISABLED_ERROR, fail_for_disabled_tenant
from outreachpass.services.wallet.apple import ASSETS_BUCKET, build_apple_pass, ensure_apple_pass
from outreachpass.services.wallet.events import record_event
from outreachpass.services.wallet.google import ensure_google_object, ensure_google_pass_row, google_pass_current

QUEUE = "passes"
CHUNK = 20
# The passes queue's maxReceiveCount (lambdas/routes.py QUEUES): at this receive an item that
# still fails is recorded as failed rather than retried into the DLQ.
MAX_RECEIVES = 3
PKPASS_CONTENT_TYPE = "application/vnd.apple.pkpass"


# --- the request ------------------------------------------------------------------------------------


def start_pass_job(principal: Principal, event_id: UUID, request: PassesGenerate) -> dict[str, Any]:
    tenant_id = principal.tenant_id
    with tenant_tx(tenant_id) as conn:
        if events_data.get(conn, tenant_id, event_id) is None:
            raise NotFound("event", event_id)
        platforms = _served_platforms(event_features(conn, tenant_id, event_id), request)
        job_input: dict[str, Any] = {"platforms": platforms, "selection": request.selection, "force": request.force}
        card_ids: list[UUID] | None = None
        if request.card_ids:
            live = pass_jobs_data.live_cards_of_event(conn, tenant_id, event_id, request.card_ids)
            _refuse_unknown("card_ids", [c for c in request.card_ids if c not in live], "not a live card of this event")
            card_ids = list(request.card_ids)
            job_input["card_ids"] = [str(c) for c in card_ids]
        elif request.attendee_ids:
            cards = pass_jobs_data.cards_of_attendees(conn, tenant_id, event_id, request.attendee_ids)
            _refuse_unknown("attendee_ids", [a for a in request.attendee_ids if a not in cards], "not an attendee of this event with a card")
            card_ids = [cards[a] for a in request.attendee_ids]
            job_input["attendee_ids"] = [str(a) for a in request.attendee_ids]
        job = jobs_data.insert(
            conn,
            tenant_id,
            kind="passes",
            event_id=event_id,
            job_input=job_input,
            created_by=users_data.user_id_for_subject(conn, tenant_id, principal.subject),
        )
        if card_ids is not None:
            total = pass_jobs_data.insert_items_for_cards(conn, tenant_id, job["job_id"], card_ids, platforms)
        else:
            total = pass_jobs_data.insert_items_for_event(conn, tenant_id, job["job_id"], event_id, platforms)
        jobs_data.set_total(conn, tenant_id, job["job_id"], total)
        if total == 0:
            jobs_data.finish(conn, tenant_id, job["job_id"], status="succeeded")
        job = held(jobs_data.get(conn, tenant_id, job["job_id"]))
        record_change(
            conn, principal, action="passes.generate", entity_type="job", entity_id=job["job_id"], before=None,
            after={"event_id": str(event_id), "total": total, **{k: v for k, v in job_input.items() if not k.endswith("_ids")}},
        )
    if total:
        try:
            queues.send(QUEUE, {"kind": "plan", "tenant_id": str(tenant_id), "job_id": str(job["job_id"])})
        except Exception as exc:
            logger().exception("could not enqueue the pass job")
            with tenant_tx(tenant_id) as conn:
                jobs_data.finish(conn, tenant_id, job["job_id"], status="failed", error="could not be queued; start it again")
            raise ServiceUnavailable("The pass job could not be queued, please retry shortly") from exc
    logger().info("pass job started", extra={"job_id": str(job["job_id"]), "total": total, "platforms": platforms})
    return job


PLATFORM_FLAGS = {"apple": "apple_wallet", "google": "google_wallet"}


def _served_platforms(features: Features, request: PassesGenerate) -> list[str]:
    """The platforms of the job: those asked for (default: every platform the tenant and the
    event's brand have on). Asking for a switched-off one, or having none on, is a 409."""
    off = [p for p in request.platforms if not features.enabled(PLATFORM_FLAGS[p])]
    if off and ("platforms" in request.model_fields_set or len(off) == len(request.platforms)):
        names = " and ".join(PLATFORM_FLAGS[p] for p in off)
        raise Conflict(f"{names} is switched off for this event (feature flags)", code="FEATURE_DISABLED")
    return [p for p in request.platforms if p not in off]


def _refuse_unknown(field: str, unknown: list[UUID], reason: str) -> None:
    if not unknown:
        return
    shown = ", ".join(str(u) for u in unknown[:5])
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    raise ValidationFailed.field(field, f"{reason}: {shown}{more}")


# --- the worker ----------------------------------------------------------------------------------------


def process_message(message: dict[str, Any], *, receive_count: int, max_receives: int = MAX_RECEIVES) -> None:
    kind = message.get("kind")
    tenant_id = UUID(str(message["tenant_id"]))
    job_id = UUID(str(message["job_id"]))
    if kind not in ("plan", "items"):
        raise ValueError(f"unknown passes message kind: {kind!r}")
    try:
        if kind == "plan":
            plan_job(tenant_id, job_id)
        else:
            item_ids = [UUID(str(i)) for i in message.get("item_ids") or []]
            process_items(tenant_id, job_id, item_ids, final_attempt=receive_count >= max_receives, receive_count=receive_count)
    except TenantDisabled:
        _stop_for_disabled_tenant(tenant_id, job_id)


def _stop_for_disabled_tenant(tenant_id: UUID, job_id: UUID) -> None:
    """The tenant was disabled after the job was queued: no pass is written any more. Its pending
    items end failed (counted), and the job failed with code TENANT_DISABLED; the message is
    not retried."""
    with tenant_tx(tenant_id) as conn:  # not active_tenant: recording why must work for a disabled tenant
        stopped = pass_jobs_data.fail_pending_items(conn, tenant_id, job_id, TENANT_DISABLED_ERROR)
        if stopped:
            jobs_data.add_progress(conn, tenant_id, job_id, failed=stopped)
    fail_for_disabled_tenant(tenant_id, job_id)


def plan_job(tenant_id: UUID, job_id: UUID) -> int:
    """Split the job's pending items into messages of CHUNK (a redelivered plan re-sends the
    pending ones: items are idempotent)."""
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        job = jobs_data.mark_running(conn, tenant_id, job_id)
        if job is None:
            logger().info("pass job already finished or gone", extra={"job_id": str(job_id)})
            return 0
        item_ids = pass_jobs_data.pending_item_ids(conn, tenant_id, job_id)
    messages = [
        {"kind": "items", "tenant_id": str(tenant_id), "job_id": str(job_id), "item_ids": [str(i) for i in item_ids[i : i + CHUNK]]}
        for i in range(0, len(item_ids), CHUNK)
    ]
    queues.send_batch(QUEUE, messages)
    if not item_ids:
        _maybe_finish(tenant_id, job_id)
    return len(messages)


class RetryLater(Exception):
    """Some items of the message failed for a reason that may pass: SQS redelivers it."""


def process_items(tenant_id: UUID, job_id: UUID, item_ids: list[UUID], *, final_attempt: bool, receive_count: int = 1) -> None:
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        job = jobs_data.mark_running(conn, tenant_id, job_id)
    if job is None:
        logger().info("pass job already finished or gone", extra={"job_id": str(job_id)})
        return
    force = bool((job.get("input") or {}).get("force"))
    retry: list[str] = []
    for item_id in item_ids:
        try:
            process_item(tenant_id, job_id, item_id, force=force)
        except TenantDisabled:
            raise  # the whole job stops (process_message)
        except _Permanent as exc:
            _fail_item(tenant_id, job_id, item_id, exc.reason, exc.card_id, exc.platform)
        except Exception as exc:
            reason = _transient_reason(exc)
            if final_attempt:
                _fail_item(tenant_id, job_id, item_id, f"gave up after {receive_count} attempts: {reason}", None, None)
            else:
                logger().warning("pass item will be retried", extra={"item_id": str(item_id), "reason": reason}, exc_info=True)
                retry.append(str(item_id))
    _maybe_finish(tenant_id, job_id)
    if retry:
        raise RetryLater(f"{len(retry)} pass items will be retried")


class _Permanent(Exception):
    def __init__(self, reason: str, card_id: UUID | None = None, platform: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.card_id = card_id
        self.platform = platform


def _transient_reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def process_item(tenant_id: UUID, job_id: UUID, item_id: UUID, *, force: bool) -> str:
    """One card and platform; returns "generated", "current" or "done" (finished before)."""
    from outreachpass.integrations.wallet.credentials import WalletNotConfigured

    # active_tenant: a tenant disabled while its job runs stops before its next pass.
    with tenant_tx(tenant_id, active_tenant=True) as conn:
        item = pass_jobs_data.start_item(conn, tenant_id, item_id)
        if item is None:
            return "done"
        card = wallet_data.card_for_pass(conn, tenant_id, item["card_id"])
    platform = item["platform"]
    if card is None or card["deleted_at"] is not None:
        raise _Permanent("the card was deleted", item["card_id"], platform)
    try:
        if platform == "apple":
            outcome, pass_id = _apple_item(tenant_id, card, force=force)
        else:
            outcome, pass_id = _google_item(tenant_id, card, force=force)
    except WalletNotConfigured as exc:
        raise _Permanent(f"{exc.message}: {exc.detail}", card["card_id"], platform) from None
    except ValueError as exc:  # e.g. a pass over the size limit (a broken brand logo)
        raise _Permanent(str(exc), card["card_id"], platform) from None
    except AppError as exc:
        if exc.status >= 500:  # the database or a secret read failed for now: retry
            raise
        raise _Permanent(exc.message, card["card_id"], platform) from None
    except Exception as exc:
        from outreachpass.integrations.wallet.google_wallet import GoogleWalletRejected

        if isinstance(exc, GoogleWalletRejected):
            raise _Permanent(str(exc), card["card_id"], platform) from None
        raise
    with tenant_tx(tenant_id) as conn:
        if pass_jobs_data.finish_item(conn, tenant_id, item_id, status="succeeded", pass_id=pass_id):
            if outcome == "generated":
                jobs_data.add_progress(conn, tenant_id, job_id, succeeded=1)
                record_event(conn, card, platform, "generated", None, {"job_id": str(job_id), "vcard_rev": card["vcard_rev"]})
            else:
                jobs_data.add_progress(conn, tenant_id, job_id, skipped=1)
    return outcome


def apple_s3_key(tenant_id: UUID, card_id: UUID, serial_number: str, vcard_rev: int) -> str:
    return f"passes/{tenant_id}/{card_id}/{serial_number}-r{vcard_rev}.pkpass"


def _apple_item(tenant_id: UUID, card: dict[str, Any], *, force: bool) -> tuple[str, UUID]:
    from outreachpass.integrations import storage
    from outreachpass.integrations.wallet.credentials import apple_pass_credentials

    creds = apple_pass_credentials()
    with tenant_tx(tenant_id) as conn:
        pass_row, _ = ensure_apple_pass(conn, tenant_id, card, creds.pass_type_identifier)
    key = apple_s3_key(tenant_id, card["card_id"], pass_row["serial_number"], card["vcard_rev"])
    if not force and pass_row["s3_key"] == key and pass_row["status"] == "active":
        return "current", pass_row["pass_id"]
    data = build_apple_pass(card, pass_row, creds)
    storage.put_bytes(
        ASSETS_BUCKET, key, data, content_type=PKPASS_CONTENT_TYPE, cache_control="private, no-store",
        metadata={"vcard-rev": str(card["vcard_rev"])},
    )
    with tenant_tx(tenant_id) as conn:
        wallet_data.update_pass(conn, tenant_id, pass_row["pass_id"], {"s3_key": key, "vcard_rev": card["vcard_rev"], "status": "active"})
    previous = pass_row["s3_key"]
    if previous and previous != key:
        try:
            storage.delete(ASSETS_BUCKET, previous)
        except Exception:
            logger().warning("could not delete the previous .pkpass copy", extra={"key": previous}, exc_info=True)
    return "generated", pass_row["pass_id"]


def _google_item(tenant_id: UUID, card: dict[str, Any], *, force: bool) -> tuple[str, UUID]:
    from outreachpass.integrations.wallet.credentials import google_wallet_credentials

    creds = google_wallet_credentials()
    with tenant_tx(tenant_id) as conn:
        pass_row, _ = ensure_google_pass_row(conn, tenant_id, card, creds.issuer_id)
    if not force and google_pass_current(pass_row, card):
        return "current", pass_row["pass_id"]
    object_id = ensure_google_object(card, creds)
    with tenant_tx(tenant_id) as conn:
        wallet_data.update_pass(
            conn, tenant_id, pass_row["pass_id"], {"google_object_id": object_id, "vcard_rev": card["vcard_rev"], "status": "active"}
        )
    return "generated", pass_row["pass_id"]


def _fail_item(tenant_id: UUID, job_id: UUID, item_id: UUID, reason: str, card_id: UUID | None, platform: str | None) -> None:
    logger().warning("pass item failed", extra={"item_id": str(item_id), "reason": reason})
    with tenant_tx(tenant_id) as conn:
        if pass_jobs_data.finish_item(conn, tenant_id, item_id, status="failed", error=reason[:1000]):
            error: dict[str, Any] = {"item_id": str(item_id), "reason": reason[:500]}
            if card_id is not None:
                error["card_id"] = str(card_id)
            if platform is not None:
                error["platform"] = platform
            jobs_data.add_progress(conn, tenant_id, job_id, failed=1, errors=[error])


def _maybe_finish(tenant_id: UUID, job_id: UUID) -> None:
    """Finish the job once every item is done (each worker checks after its own commit, so the
    last one to finish an item sees the full count)."""
    with tenant_tx(tenant_id) as conn:
        job = jobs_data.get(conn, tenant_id, job_id)
        if job is None or job["status"] in ("succeeded", "failed"):
            return
        done = job["succeeded"] + job["skipped"] + job["failed"]
        if done < job["total"]:
            return
        failed_all = job["total"] > 0 and job["failed"] == job["total"]
        finished = held(jobs_data.finish(
            conn, tenant_id, job_id, status="failed" if failed_all else "succeeded",
            error="every pass failed: see errors" if failed_all else None,
        ))
    logger().info(
        "pass job finished",
        extra={"job_id": str(job_id), "status": finished["status"], "succeeded": job["succeeded"], "skipped": job["skipped"], "failed": job["failed"]},
    )
