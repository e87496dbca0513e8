"""E-mail: poll a mailbox over IMAP (imapclient), thread by Message-ID / In-Reply-To / References,
answer over SMTP with the threading headers so the citizen's mail client groups the reply.

The cursor is "<UIDVALIDITY>:<last UID seen>": a mailbox rebuilt by the server (new UIDVALIDITY)
is read again from the start, and ingestion's idempotency on Message-ID skips what Parvis has.
SMTP has no idempotency: a reply is sent at most once per delivery claim (see docs/channels.md).
"""
import email
import email.policy
import re
import smtplib
import ssl
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, parsedate_to_datetime

from flask_babel import lazy_gettext as _l
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from ..services import outbound
from .base import (ALLOW_PRIVATE_FIELD, Connector, DeliveryError, InboundEvent, PermanentDeliveryError, PollResult,
                   SettingField, last_inbound)
from .text import html_to_text

FETCH_BATCH = 50
MAX_PER_POLL = 500
_MSGID = re.compile(r"<[^<>\s]+>")
_QUOTE_START = re.compile(r"^(>|-----Original Message-----|Le .{5,120} a écrit\s*:|On .{5,120} wrote:)", re.M)


def message_ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


def visible_text(body: str) -> str:
    """The new part of a reply: what comes before the quoted message."""
    match = _QUOTE_START.search(body)
    text = body[:match.start()] if match else body
    return text.strip() or body.strip()


class SmtpSender:
    """Sends one e-mail over SMTP (implicit TLS, STARTTLS or plain on a trusted network)."""

    def __init__(self, connector: Connector):
        self.c = connector

    def send(self, message: EmailMessage) -> None:
        host = self.c.require(self.c.setting("smtp_host"), "smtp_host")
        security = self.c.setting("smtp_security", "starttls")
        port = int(self.c.setting("smtp_port", 465 if security == "ssl" else 587))
        timeout = 30
        try:
            # Connects only to checked public addresses unless an administrator allowed private ones.
            client = outbound.smtp_client(host, port, implicit_tls=security == "ssl", timeout=timeout,
                                          context=ssl.create_default_context(), allow=self.c.allow_private)
            with client:
                if security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                user = self.c.setting("smtp_username") or self.c.setting("username")
                password = self.c.secret("smtp_password") or self.c.secret("password")
                client.ehlo_or_helo_if_needed()
                # A relay on a trusted network may offer no AUTH at all: then none is attempted.
                if user and password and client.has_extn("auth"):
                    client.login(user, password)
                client.send_message(message)
        except outbound.UnsafeDestinationError as exc:
            raise self.c.refused(exc, "smtp_host") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentDeliveryError(f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}"
            raise (PermanentDeliveryError if exc.smtp_code >= 500 else DeliveryError)(error) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(f"SMTP refused the recipient: {exc.recipients}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP server unreachable: {exc}") from exc


def build_reply(connector: Connector, conversation, reply, in_reply_to: str | None, to_address: str,
                references: list[str]) -> EmailMessage:
    """The reply e-mail, threaded under the citizen's last message."""
    from_address = connector.require(connector.setting("from_address"), "from_address")
    domain = from_address.rsplit("@", 1)[-1]
    subject = conversation.post_text or ""
    message = EmailMessage()
    message["From"] = formataddr((connector.setting("from_name", ""), from_address))
    message["To"] = to_address
    message["Subject"] = subject if subject.lower().startswith(("re:", "re :")) else f"Re: {subject}".strip()
    # Deterministic: a resend of the same reply carries the same Message-ID, so clients dedupe it.
    message["Message-ID"] = f"<parvis-reply-{reply.id}.{conversation.channel_id}@{domain}>"
    message["Date"] = email.utils.format_datetime(reply.created_at)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        chain = [r for r in references if r != in_reply_to] + [in_reply_to]
        message["References"] = " ".join(chain[-20:])
    message["Auto-Submitted"] = "auto-replied" if reply.user is None else "no"
    message.set_content(reply.body)
    return message


class EmailConnector(Connector):
    kind = "email"
    can_poll = True
    fields = (
        SettingField("imap_host", _l("IMAP server"), destination="host"),
        SettingField("imap_port", _l("IMAP port"), required=False, default="993", kind="int"),
        SettingField("imap_ssl", _l("IMAP over TLS"), required=False, default="1", kind="bool"),
        SettingField("imap_folder", _l("Folder"), required=False, default="INBOX"),
        SettingField("username", _l("User name")),
        SettingField("password", _l("Password"), secret=True),
        SettingField("smtp_host", _l("SMTP server"), destination="host"),
        SettingField("smtp_port", _l("SMTP port"), required=False, default="587", kind="int"),
        SettingField("smtp_security", _l("SMTP security (ssl, starttls or none)"), required=False, default="starttls"),
        SettingField("from_address", _l("Sender address")),
        SettingField("from_name", _l("Sender name"), required=False),
        ALLOW_PRIVATE_FIELD,
    )

    def _imap(self) -> IMAPClient:
        host = self.require(self.setting("imap_host"), "imap_host")
        use_ssl = str(self.setting("imap_ssl", "1")) in ("1", "true", "True", "on")
        port = int(self.setting("imap_port", 993 if use_ssl else 143))
        try:
            # Connects only to checked public addresses unless an administrator allowed private ones.
            client = outbound.imap_client(host, port, use_ssl=use_ssl, timeout=30, allow=self.allow_private)
            client.login(self.require(self.setting("username"), "username"),
                         self.require(self.secret("password"), "password"))
        except outbound.UnsafeDestinationError as exc:
            raise self.refused(exc, "imap_host") from None
        except LoginError as exc:
            raise PermanentDeliveryError(f"IMAP login refused: {exc}") from exc
        except (OSError, IMAPClientError) as exc:
            raise DeliveryError(f"IMAP server unreachable: {exc}") from exc
        return client

    def check_connection(self) -> str:
        client = self._imap()
        try:
            folder = self.setting("imap_folder", "INBOX")
            info = client.select_folder(folder, readonly=True)
            return f"{self.setting('username')} ({folder}: {info.get(b'EXISTS', 0)})"
        except IMAPClientError as exc:
            raise PermanentDeliveryError(f"IMAP folder unavailable: {exc}") from exc
        finally:
            client.logout()

    def poll(self, cursor):
        validity, last_uid = (cursor or "0:0").split(":", 1)
        client = self._imap()
        try:
            info = client.select_folder(self.setting("imap_folder", "INBOX"), readonly=True)
            current_validity = str(info.get(b"UIDVALIDITY", 0))
            if current_validity != validity:
                last_uid = "0"
            # "n:*" always matches the last message, even below n: filter on the UID.
            uids = sorted(u for u in client.search(["UID", f"{int(last_uid) + 1}:*"]) if u > int(last_uid))
            uids = uids[:MAX_PER_POLL]
            events = []
            for start in range(0, len(uids), FETCH_BATCH):
                batch = uids[start:start + FETCH_BATCH]
                fetched = client.fetch(batch, ["BODY.PEEK[]"])
                for uid in batch:
                    data = fetched.get(uid) or {}
                    raw = data.get(b"BODY[]")
                    if raw:
                        events.extend(self.parse_message(raw, uid, current_validity))
        except IMAPClientError as exc:
            raise DeliveryError(f"IMAP error: {exc}") from exc
        finally:
            try:
                client.logout()
            except (OSError, IMAPClientError):
                pass
        new_last = uids[-1] if uids else int(last_uid)
        return PollResult(events=events, cursor=f"{current_validity}:{new_last}")

    def parse_message(self, raw: bytes, uid=None, validity=None) -> list[InboundEvent]:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        from_name, from_address = (getaddresses([str(parsed.get("From", ""))]) or [("", "")])[0]
        from_address = from_address.strip().lower()
        if not from_address or from_address == str(self.setting("from_address", "")).lower():
            return []  # our own replies, or mail without a sender
        own_id = (message_ids(str(parsed.get("Message-ID", ""))) or [f"<imap-{validity}-{uid}@parvis.invalid>"])[0]
        references = message_ids(str(parsed.get("References", "")))
        in_reply_to = (message_ids(str(parsed.get("In-Reply-To", ""))) or [None])[0]
        related = [i for i in [in_reply_to, *reversed(references)] if i]
        thread = self.thread_of(related) or (references[0] if references else in_reply_to) or own_id
        self.remember_thread(own_id, thread)
        body = parsed.get_body(preferencelist=("plain", "html"))
        content = ""
        if body is not None:
            content = body.get_content()
            if body.get_content_type() == "text/html":
                content = html_to_text(content)
        subject = str(parsed.get("Subject", "") or "")
        item = {
            "external_id": own_id, "thread_external_id": thread, "parent_external_id": in_reply_to,
            "kind": "private", "text": visible_text(content)[:20000] or subject or "(empty)",
            "created_at": _date(parsed.get("Date")),
            "author": {"external_id": from_address, "name": from_name or None, "handle": from_address},
            "post": {"external_id": thread, "text": subject[:5000] or None, "url": None},
        }
        headers = {"message_id": own_id, "in_reply_to": in_reply_to, "references": references,
                   "subject": subject, "from": from_address}
        return [InboundEvent("message", own_id, item=item, raw={"headers": headers})]

    def send_reply(self, conversation, reply, in_reply_to):
        inbound = last_inbound(reply)
        if inbound is None or inbound.author is None:
            raise PermanentDeliveryError("no citizen address to answer in this conversation")
        references = ((inbound.raw or {}).get("headers") or {}).get("references") or []
        message = build_reply(self, conversation, reply, in_reply_to, inbound.author.external_id, references)
        SmtpSender(self).send(message)
        return message["Message-ID"]


def _date(value) -> str:
    now = datetime.now(timezone.utc)
    try:
        parsed = parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None or parsed > now + timedelta(hours=1) or parsed.year < 2000:
        parsed = now
    return parsed.astimezone(timezone.utc).isoformat()

