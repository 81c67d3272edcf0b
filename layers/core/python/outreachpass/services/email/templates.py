"""An event's own card e-mail: its template (GET/PUT .../events/{event_id}/email-template), a preview
that renders it without sending, and a test send to the caller's own address.

The template is the subject and the opening text, with placeholders (integrations/email/
placeholders: a fixed list, refused by name when unknown). Without one, GET answers the built-in
e-mail's wording (is_default) and sends use the built-in e-mail itself, in each attendee's
language; a saved template is sent as the organisers wrote it. A send fixes the template it uses
when it starts (services/email/send_request), so editing it during a send changes nothing of that
send.

A preview renders for one attendee of the event, or for a sample person, with the saved template
or with unsaved edits; its links go straight to their destinations (nothing is tracked). A test
send mails that rendering to the caller (the users row's address, never one from the request)
with "[Test]" before the subject; it is untracked too, recorded in the send log without a job
(so its unsubscribe link works, for the caller's own address), and refused when the caller's
address is on the suppression list.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any
from uuid import UUID

from outreachpass.config import settings
from outreachpass.data import email_sends
from outreachpass.data import email_templates as templates_data
from outreachpass.data import users as users_data
from outreachpass.data.conn import Conn, held
from outreachpass.db.connection import tenant_tx
from outreachpass.errors import Conflict, FieldError, NotFound, ServiceUnavailable, Unprocessable, ValidationFailed
from outreachpass.integrations.email import placeholders
from outreachpass.models.emails import EmailRenderRequest, EmailTemplatePut
from outreachpass.observability import logger
from outreachpass.principal import Principal, caller_state
from outreachpass.services.audit import record_change
from outreachpass.services.email.compose import EmailTemplate, SenderIdentity, render_email, resolve_sender
from outreachpass.services.email.suppressions import suppressed_addresses
from outreachpass.services.email.unsubscribe import PATH as UNSUBSCRIBE_PATH
from outreachpass.services.email.unsubscribe import unsubscribe_url

# The built-in e-mail's wording as a template (what GET shows for an event without its own).
DEFAULT_SUBJECT = "Your digital card for {{ event_name }}"
DEFAULT_BODY = (
    "Hi {{ first_name | there }},\n\n"
    "Your digital contact card for {{ event_name }} ({{ event_dates }}) is ready.\n"
    "Show its QR code to the people you meet: one scan and they have your details."
)
TEST_PREFIX = "[Test] "
SAMPLE_CARD_ID = UUID("00000000-0000-4000-8000-000000000000")
SAMPLE_RECIPIENT: dict[str, Any] = {
    "attendee_id": None, "email": "alex.sample@example.com", "first_name": "Alex", "last_name": "Sample",
    "org_name": "Example Co", "title": "Head of Partnerships", "card_id": SAMPLE_CARD_ID, "display_name": None,
}
ONE_CLICK_HEADER = "List-Unsubscribe=One-Click"


def check_placeholders(**fields: str | None) -> None:
    """400 VALIDATION_ERROR naming, per field, every unknown placeholder its text uses."""
    details = []
    for field, text in fields.items():
        if not text:
            continue
        try:
            placeholders.validate(text)
        except placeholders.TemplateError as exc:
            details.append(FieldError(field, f"{exc} (known: {', '.join(placeholders.PLACEHOLDERS)})"))
    if details:
        raise ValidationFailed("The template uses placeholders that do not exist", details=details)


def placeholder_list() -> list[dict[str, str]]:
    return [{"name": name, "description": text} for name, text in placeholders.PLACEHOLDERS.items()]


def template_of(conn: Conn, tenant_id: UUID, event_id: UUID) -> EmailTemplate | None:
    """The event's own template, None when it has none (the built-in e-mail is sent)."""
    row = templates_data.get(conn, tenant_id, event_id)
    return EmailTemplate(subject=row["subject"], body=row["body"]) if row else None


def get_template(principal: Principal, event_id: UUID) -> dict[str, Any]:
    with tenant_tx(principal.tenant_id) as conn:
        _event(conn, principal.tenant_id, event_id)
        row = templates_data.get(conn, principal.tenant_id, event_id)
    return _shape(event_id, row)


def put_template(principal: Principal, event_id: UUID, request: EmailTemplatePut) -> dict[str, Any]:
    check_placeholders(subject=request.subject, body=request.body)
    with tenant_tx(principal.tenant_id) as conn:
        _event(conn, principal.tenant_id, event_id)
        before = templates_data.get(conn, principal.tenant_id, event_id)
        row = templates_data.put(conn, principal.tenant_id, event_id, subject=request.subject, body=request.body,
                                 updated_by=caller_state().user_id)
        record_change(conn, principal, action="email_template.update", entity_type="event", entity_id=event_id,
                      before={"subject": before["subject"], "body": before["body"]} if before else None,
                      after={"subject": row["subject"], "body": row["body"]})
    return _shape(event_id, row)


def preview(principal: Principal, event_id: UUID, request: EmailRenderRequest) -> dict[str, Any]:
    """The e-mail of one attendee (or the sample person), rendered, not sent."""
    check_placeholders(subject=request.subject, body=request.body)
    config = settings()
    with tenant_tx(principal.tenant_id) as conn:
        event, recipient, template, sender_row = _rendering_inputs(conn, principal.tenant_id, event_id, request)
    sender = _sender(sender_row, event, config.default_sender)
    # An example of the link: each sent e-mail carries its own recipient's.
    example_unsubscribe = f"{config.public_base_url}{UNSUBSCRIBE_PATH}/preview?s=example"
    rendered = render_email(
        message_id="preview", base_url=config.public_base_url, recipient=recipient, event=event, sender=sender,
        subject=None, custom_message=None, template=template, unsubscribe_url=example_unsubscribe, tracked=False,
    )
    inline_qr = "data:image/png;base64," + base64.b64encode(rendered.qr_png).decode()
    return {
        "subject": rendered.subject,
        "html": rendered.html.replace(f"cid:{rendered.qr_cid}", inline_qr),
        "text": rendered.text,
        "from_address": sender.address or None,
        "from_name": sender.name,
        "reply_to": sender.reply_to,
        "attendee_id": recipient["attendee_id"],
        "headers": {"List-Unsubscribe": f"<{example_unsubscribe}>", "List-Unsubscribe-Post": ONE_CLICK_HEADER},
    }


def send_test(principal: Principal, event_id: UUID, request: EmailRenderRequest) -> dict[str, Any]:
    """Mail the rendering to the caller's own address (untracked; recorded without a job)."""
    from outreachpass.integrations.email import ses
    from outreachpass.services.email.compose import compose

    check_placeholders(subject=request.subject, body=request.body)
    config = settings()
    message_id = str(uuid.uuid4())
    with tenant_tx(principal.tenant_id) as conn:
        event, recipient, template, sender_row = _rendering_inputs(conn, principal.tenant_id, event_id, request)
        caller = held(users_data.get(conn, principal.tenant_id, caller_state().user_id))
        to = caller["email"].strip().lower()
        if suppressed_addresses(conn, principal.tenant_id, [to]):
            raise Conflict(f"Your address {to} is on the suppression list; remove it there to receive test e-mails",
                           code="ADDRESS_SUPPRESSED")
        sender = resolve_sender(sender_row, event.get("brand_name"), config)
        outbound = compose(
            message_id=message_id, base_url=config.public_base_url, recipient=recipient, event=event, sender=sender,
            subject=TEST_PREFIX + (template.subject if template else DEFAULT_SUBJECT), custom_message=None,
            template=template, unsubscribe_url=unsubscribe_url(config.public_base_url, principal.tenant_id, message_id, to),
            tracked=False, to=to,
        )
        # Claimed first, as the worker does: the unsubscribe link resolves through this row.
        email_sends.insert_send(conn, principal.tenant_id, {
            "job_id": None, "event_id": event_id, "attendee_id": None, "card_id": None, "message_id": message_id,
            "recipient_email": to, "status": "claimed", "reason": "test send", "sender": sender.address,
        })
    try:
        # No configuration set and no tags: SES publishes no events for it, so it never reaches the funnel.
        sent = ses.send_raw(outbound.raw, sender=sender.address, recipient=to, configuration_set=None, tags={})
    except ses.SendError as exc:
        with tenant_tx(principal.tenant_id) as conn:
            email_sends.finish_send(conn, principal.tenant_id, message_id, status="failed", reason=exc.reason)
        logger().warning("test send refused by SES", extra={"code": exc.code, "message_id": message_id})
        if isinstance(exc, ses.SendRejected):
            raise Unprocessable(f"SES refused the test e-mail: {exc.reason}", code="EMAIL_REJECTED") from exc
        raise ServiceUnavailable("SES did not take the test e-mail; please retry shortly") from exc
    with tenant_tx(principal.tenant_id) as conn:
        email_sends.finish_send(conn, principal.tenant_id, message_id, status="sent", provider_message_id=sent.provider_message_id)
        record_change(conn, principal, action="email_template.test_send", entity_type="event", entity_id=event_id,
                      before=None, after={"message_id": message_id, "attendee_id": recipient["attendee_id"]})
    logger().info("test e-mail sent", extra={"message_id": message_id, "event_id": str(event_id)})
    return {"to": to, "subject": outbound.subject, "message_id": message_id}


def _rendering_inputs(
    conn: Conn, tenant_id: UUID, event_id: UUID, request: EmailRenderRequest
) -> tuple[dict[str, Any], dict[str, Any], EmailTemplate | None, dict[str, Any] | None]:
    event = email_sends.event_with_brand(conn, tenant_id, event_id)
    if event is None:
        raise NotFound("event", event_id)
    if request.attendee_id is None:
        recipient = dict(SAMPLE_RECIPIENT)
    else:
        found = email_sends.recipients(conn, tenant_id, event_id, [request.attendee_id]).get(request.attendee_id)
        if found is None:
            raise NotFound("attendee", request.attendee_id)
        recipient = {**found, "card_id": found["card_id"] or SAMPLE_CARD_ID, "email": found["email"] or SAMPLE_RECIPIENT["email"]}
    stored = template_of(conn, tenant_id, event_id)
    template = stored
    if request.subject or request.body:
        template = EmailTemplate(
            subject=request.subject or (stored.subject if stored else DEFAULT_SUBJECT),
            body=request.body or (stored.body if stored else DEFAULT_BODY),
        )
    return event, recipient, template, email_sends.sender_settings(conn, tenant_id)


def _sender(row: dict[str, Any] | None, event: dict[str, Any], default_sender: str | None) -> SenderIdentity:
    """The sender a preview shows (the preview's function has no DEFAULT_SENDER: the address may be null)."""
    row = row or {}
    return SenderIdentity(
        address=row.get("from_email") or default_sender or "",
        name=row.get("from_name") or event.get("brand_name") or row.get("tenant_name"),
        reply_to=row.get("reply_to"),
        configuration_set=None,
    )


def _event(conn: Conn, tenant_id: UUID, event_id: UUID) -> None:
    if email_sends.event_with_brand(conn, tenant_id, event_id) is None:
        raise NotFound("event", event_id)


def _shape(event_id: UUID, row: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "subject": row["subject"] if row else DEFAULT_SUBJECT,
        "body": row["body"] if row else DEFAULT_BODY,
        "is_default": row is None,
        "updated_at": row["updated_at"] if row else None,
        "placeholders": placeholder_list(),
    }
