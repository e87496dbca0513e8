"""Website form: the institution's contact form posts here; answers go back by e-mail (SMTP).

Endpoint: POST /webhooks/form/<channel id> (form-encoded or JSON) with name, email, message,
optional subject and submission_id. A hidden honeypot field (`website`) must stay empty, and
the Origin header, when the browser sends one, must be one of the channel's allowed origins.
"""
import hashlib
from datetime import datetime, timezone

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from .base import (ALLOW_PRIVATE_FIELD, Connector, InboundEvent, InvalidPayload, PermanentDeliveryError, SettingField,
                   last_inbound)
from .email import SmtpSender, build_reply

MAX_MESSAGE = 5000


class FormConnector(Connector):
    kind = "form"
    can_push = True
    fields = (
        SettingField("allowed_origins", _l("Allowed origins (https://www.example.fr, comma-separated)"),
                     required=False),
        SettingField("thanks_url", _l("Page shown after sending (optional)"), required=False),
        SettingField("smtp_host", _l("SMTP server for the answers"), required=False, destination="host"),
        SettingField("smtp_port", _l("SMTP port"), required=False, default="587", kind="int"),
        SettingField("smtp_security", _l("SMTP security (ssl, starttls or none)"), required=False, default="starttls"),
        SettingField("smtp_username", _l("SMTP user name"), required=False),
        SettingField("smtp_password", _l("SMTP password"), required=False, secret=True),
        SettingField("from_address", _l("Sender address"), required=False),
        ALLOW_PRIVATE_FIELD,
    )

    def origin_allowed(self, origin: str | None) -> bool:
        allowed = [o.strip().rstrip("/") for o in str(self.setting("allowed_origins", "")).split(",") if o.strip()]
        return origin is None or not allowed or origin.rstrip("/") in allowed

    def parse_inbound(self, payload):
        """One submission; every bad field is named."""
        errors = {}
        name = str(payload.get("name") or "").strip()[:255]
        address = str(payload.get("email") or "").strip()
        text = str(payload.get("message") or "").strip()
        subject = str(payload.get("subject") or "").strip()[:500]
        try:
            address = validate_email(address, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            errors["email"] = str(exc)
        if not text:
            errors["message"] = "required"
        elif len(text) > MAX_MESSAGE:
            errors["message"] = f"longer than {MAX_MESSAGE} characters"
        if errors:
            raise InvalidPayload(errors)
        submission = str(payload.get("submission_id") or "").strip()[:100]
        # A double click or a resubmitted page is the same message.
        digest = hashlib.sha256(f"{address}\n{submission or text}".encode()).hexdigest()[:40]
        item = {
            "external_id": f"form-{digest}", "thread_external_id": f"form:{address}", "kind": "private",
            "text": text, "created_at": datetime.now(timezone.utc).isoformat(),
            "author": {"external_id": address, "name": name or None, "handle": address},
            "post": {"external_id": f"form:{address}", "text": subject or None, "url": None},
        }
        raw = {"name": name, "email": address, "subject": subject, "message": text}
        return [InboundEvent("message", item["external_id"], item=item, raw=raw)]

    def send_reply(self, conversation, reply, in_reply_to):
        if not self.setting("smtp_host"):
            raise PermanentDeliveryError("this form channel has no SMTP server to answer by e-mail")
        inbound = last_inbound(reply)
        if inbound is None or inbound.author is None:
            raise PermanentDeliveryError("no citizen address to answer in this conversation")
        message = build_reply(self, conversation, reply, None, inbound.author.external_id, [])
        SmtpSender(self).send(message)
        return message["Message-ID"]
