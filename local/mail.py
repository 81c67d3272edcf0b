"""The local mail viewer: what the product "sent" through SES (moto captures it), readable by
a person, with its tracked links clickable and its email events shown as they arrive.

    GET  /_local/mail                 the messages, newest first (HTML for a browser; other
                                      clients keep getting the JSON list of local.stack)
    GET  /_local/mail/<n>             message n (1 = the first sent): headers, the HTML body
                                      in a frame, the text body, and its email events
    GET  /_local/mail/<n>/html        the HTML body alone (inline images as data: URIs)
    GET  /_local/mail/<n>/raw         the raw MIME message
    POST /_local/mail/<n>/ses-event   play an SES notification for it (type=Delivery,
                                      Bounce, TransientBounce, Complaint) through the SES
                                      events consumer, as SNS would in AWS

Importing this module also gives the local `tracking_hmac` secret a generated key (kept in
the local state file, so signed links survive restarts).
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import secrets
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from local import ses_notifications
from local.aws import register_secret_value
from local.server import GatewayResponse

if TYPE_CHECKING:
    from local.stack import LocalStack

log = logging.getLogger("local.mail")

PREFIX = "/_local/mail"
MESSAGE_ID_HEADER = "X-OutreachPass-Message-Id"
SIMULATIONS = ("Delivery", "Bounce", "TransientBounce", "Complaint")
_PATH = re.compile(r"^/_local/mail/(?P<n>[0-9]{1,6})(?P<rest>/html|/raw|/ses-event)?$")


def generate_tracking_key() -> str:
    return json.dumps({"keys": [base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")]})


register_secret_value("tracking_hmac", generate_tracking_key)


def _page(body: str, status: int = 200) -> GatewayResponse:
    return GatewayResponse(status=status, headers=[("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store")],
                           body=body.encode("utf-8"))


def _layout(title: str, content: str) -> str:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem}"
        "td,th{padding:.25rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
        "code,pre{font-size:13px}pre{background:#f6f6f6;padding:1rem;white-space:pre-wrap}"
        "iframe{width:100%;height:44rem;border:1px solid #ddd}form{display:inline}.muted{color:#777}</style>"
        f"{content}</html>"
    )


class ParsedMail:
    def __init__(self, index: int, captured: dict[str, Any]):
        self.index = index
        self.captured = captured
        raw = captured.get("raw")
        self.raw: bytes | None = raw.encode("utf-8") if isinstance(raw, str) else raw
        self.message: EmailMessage | None = (
            BytesParser(policy=policy.default).parsebytes(self.raw) if self.raw else None  # type: ignore[assignment]
        )

    def header(self, name: str) -> str:
        if self.message is not None and self.message[name] is not None:
            return str(self.message[name])
        fallback = {"subject": self.captured.get("subject"), "from": self.captured.get("source")}.get(name.lower())
        return str(fallback or "")

    @property
    def recipients(self) -> list[str]:
        destinations = self.captured.get("destinations")
        if isinstance(destinations, dict):
            return [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key, [])]
        found = list(dict.fromkeys(destinations or []))
        return found or ([self.header("To")] if self.header("To") else [])

    @property
    def our_message_id(self) -> str | None:
        return self.header(MESSAGE_ID_HEADER) or None

    def part(self, subtype: str) -> str | None:
        if self.message is None:
            return self.captured.get("body") if subtype == "html" else None
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else None

    def html_with_inline_images(self) -> str | None:
        content = self.part("html")
        if content is None or self.message is None:
            return content
        for part in self.message.walk():
            cid = part.get("Content-ID")
            if cid and part.get_content_maintype() == "image":
                data = base64.b64encode(part.get_payload(decode=True) or b"").decode()
                content = content.replace(f"cid:{cid.strip('<>')}", f"data:{part.get_content_type()};base64,{data}")
        return content


class MailViewer:
    def __init__(self, stack: LocalStack):
        self.stack = stack

    # --- dispatch ---------------------------------------------------------------------------

    def __call__(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> GatewayResponse | None:
        if path in (PREFIX, PREFIX + "/"):
            if method != "GET" or "text/html" not in headers.get("accept", ""):
                return None  # API clients keep the JSON list (local.stack's page)
            return self.list_page()
        match = _PATH.match(path)
        if not match:
            return _page(_layout("Not found", "<p>No such mail page.</p>"), 404)
        mails = self._mails()
        index = int(match["n"])
        if not 1 <= index <= len(mails):
            return _page(_layout("Not found", f"<p>No message {index}. <a href='{PREFIX}'>All mail</a></p>"), 404)
        mail = mails[index - 1]
        rest = match["rest"] or ""
        if rest == "/ses-event":
            if method != "POST":
                return _page(_layout("Method not allowed", "<p>POST a form here.</p>"), 405)
            return self.simulate(mail, body)
        if method != "GET":
            return _page(_layout("Method not allowed", "<p>GET only.</p>"), 405)
        if rest == "/html":
            content = mail.html_with_inline_images() or "<p>(no HTML part)</p>"
            return _page(content.replace("<head>", '<head><base target="_blank">', 1))
        if rest == "/raw":
            return GatewayResponse(status=200, headers=[("content-type", "text/plain; charset=utf-8")], body=mail.raw or b"")
        return self.message_page(mail)

    def _mails(self) -> list[ParsedMail]:
        return [ParsedMail(i + 1, captured) for i, captured in enumerate(self.stack.sent_emails())]

    # --- pages ------------------------------------------------------------------------------

    def list_page(self) -> GatewayResponse:
        rows = []
        for mail in reversed(self._mails()):
            rows.append(
                f"<tr><td>{mail.index}</td><td><a href='{PREFIX}/{mail.index}'>{html.escape(mail.header('Subject') or '(no subject)')}</a></td>"
                f"<td>{html.escape(', '.join(mail.recipients))}</td><td>{html.escape(mail.header('From'))}</td></tr>"
            )
        table = ("<table><tr><th>#</th><th>Subject</th><th>To</th><th>From</th></tr>" + "".join(rows) + "</table>") if rows \
            else "<p class=muted>Nothing sent yet. POST /api/v1/admin/events/{event_id}/emails sends the cards.</p>"
        return _page(_layout("Mail sent through SES (local)",
                             f"<h1>Mail sent through SES</h1><p class=muted>Captured by moto; nothing leaves this machine. "
                             f"<a href='/'>Home</a></p>{table}"))

    def message_page(self, mail: ParsedMail) -> GatewayResponse:
        our_id = mail.our_message_id
        fields = [("From", mail.header("From")), ("To", ", ".join(mail.recipients)), ("Subject", mail.header("Subject")),
                  ("Date", mail.header("Date")), ("Our message id", our_id or "-"), ("SES message id", str(mail.captured.get("id") or "-"))]
        header_rows = "".join(f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(v)}</code></td></tr>" for k, v in fields)
        buttons = "".join(
            f"<form method=post action='{PREFIX}/{mail.index}/ses-event'><input type=hidden name=type value='{kind}'>"
            f"<button>{html.escape(kind)}</button></form> "
            for kind in SIMULATIONS
        )
        text = mail.part("plain")
        content = (
            f"<p><a href='{PREFIX}'>&larr; All mail</a> · <a href='{PREFIX}/{mail.index}/raw'>raw MIME</a></p>"
            f"<h1>{html.escape(mail.header('Subject') or '(no subject)')}</h1><table>{header_rows}</table>"
            "<h2>Email events</h2>"
            f"<p>Play an SES notification (as the configuration set would publish it): {buttons}</p>"
            f"{self._events_table(our_id)}"
            "<h2>HTML</h2><p class=muted>Links open in a new tab and go through the local API's click tracking; "
            "the open pixel loads with the page below.</p>"
            f"<iframe src='{PREFIX}/{mail.index}/html' sandbox='allow-popups allow-popups-to-escape-sandbox'></iframe>"
            + (f"<h2>Plain text</h2><pre>{html.escape(text)}</pre>" if text else "")
        )
        return _page(_layout(mail.header("Subject") or "Mail", content))

    def _events_table(self, our_id: str | None) -> str:
        if not our_id or self.stack.db_urls is None:
            return "<p class=muted>No events (not a tracked message).</p>"
        import psycopg

        try:
            with psycopg.connect(self.stack.db_urls.admin_url, autocommit=True, connect_timeout=3) as conn:
                rows = conn.execute(
                    """SELECT occurred_at, event_type, classification, coalesce(link_url, ''), coalesce(user_agent, ''),
                              metadata_json::text
                       FROM email_events WHERE message_id = %s ORDER BY occurred_at, email_event_id""",
                    (our_id,),
                ).fetchall()
        except psycopg.Error as exc:
            return f"<p class=muted>Events unavailable: {html.escape(type(exc).__name__)}</p>"
        if not rows:
            return "<p class=muted>No events yet.</p>"
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(value))}</td>" for value in row) + "</tr>" for row in rows
        )
        return ("<table><tr><th>When (UTC)</th><th>Type</th><th>Classification</th><th>Link</th><th>User agent</th>"
                f"<th>Metadata</th></tr>{body}</table><p class=muted>Reload to see new events.</p>")

    # --- SES events -------------------------------------------------------------------------

    def simulate(self, mail: ParsedMail, body: bytes) -> GatewayResponse:
        kind = (parse_qs(body.decode("utf-8", "replace")).get("type") or [""])[0]
        if kind not in SIMULATIONS:
            return _page(_layout("Bad request", f"<p>type must be one of {', '.join(SIMULATIONS)}</p>"), 400)
        result = self.play(mail, kind)
        log.info("played an SES %s notification for message %d: %s", kind, mail.index, result)
        return GatewayResponse(status=303, headers=[("location", f"{PREFIX}/{mail.index}")])

    def play(self, mail: ParsedMail, kind: str) -> Any:
        """Hand an SES notification for `mail` to the SES events consumer, as SNS would."""
        import routes
        from local.invoke import invoke

        recipient = mail.recipients[0] if mail.recipients else "unknown@example.com"
        mail_object = ses_notifications.mail_object(
            ses_message_id=str(mail.captured.get("id")),
            our_message_id=mail.our_message_id,
            recipient=recipient,
            sender=mail.header("From") or self.stack.config.sender,
            configuration_set=self.stack.env.get("SES_CONFIGURATION_SET", "outreachpass-local-default"),
            region=self.stack.config.region,
        )
        notification = {
            "Delivery": lambda: ses_notifications.delivery(mail_object),
            "Bounce": lambda: ses_notifications.bounce(mail_object, permanent=True),
            "TransientBounce": lambda: ses_notifications.bounce(mail_object, permanent=False),
            "Complaint": lambda: ses_notifications.complaint(mail_object),
        }[kind]()
        consumer = next(c for c in routes.TOPIC_CONSUMERS if c.topic == "ses_events")
        event = ses_notifications.sns_event(notification, region=self.stack.config.region, stage=self.stack.config.stage)
        invocation = invoke(
            self.stack.registry, consumer.handler, event, stage=self.stack.config.stage, region=self.stack.config.region,
            memory_mb=consumer.needs.memory_mb, timeout_s=consumer.needs.timeout_s,
        )
        return invocation.result
