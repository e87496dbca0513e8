"""The generic API channel: messages come in signed; replies go out as a signed callback POST."""
import hashlib
import hmac
import json

from flask_babel import lazy_gettext as _l

from .base import ALLOW_PRIVATE_FIELD, Connector, SettingField


class ApiConnector(Connector):
    kind = "api"
    can_push = True
    fields = (
        SettingField("callback_url", _l("Reply callback address (optional)"), required=False, destination="url"),
        ALLOW_PRIVATE_FIELD,
    )

    def send_reply(self, conversation, reply, in_reply_to) -> str | None:
        url = self.setting("callback_url")
        if not url:
            # No callback configured: the integration reads replies from the API instead.
            return None
        # self.http refuses a private or loopback callback unless an administrator allowed it.
        body = json.dumps({
            "delivery_id": reply.id,
            "conversation_external_id": conversation.external_id,
            "in_reply_to": in_reply_to,
            "text": reply.body,
            "created_at": reply.created_at.isoformat(),
        }).encode()
        signature = "sha256=" + hmac.new(self.channel.signing_secret.encode(), body, hashlib.sha256).hexdigest()
        # The receiver dedupes on Idempotency-Key, so a retry of this POST is safe.
        headers = {"Content-Type": "application/json", "X-Parvis-Signature": signature,
                   "Idempotency-Key": f"parvis-reply-{reply.id}"}
        response = self.http("POST", url, data=body, headers=headers, idempotent=False)
        try:
            return str(response.json().get("external_id") or "") or None
        except ValueError:
            return None

    def check_connection(self) -> str:
        return self.setting("callback_url") or "signed API (no callback)"
