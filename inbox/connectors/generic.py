"""The generic API channel: messages come in signed; replies go out as a signed callback POST."""
import hashlib
import hmac
import json

import requests
from flask import current_app

from ..services.callbacks import UnsafeCallbackError, check_callback_url
from .base import Connector, DeliveryError, PermanentDeliveryError


class ApiConnector(Connector):
    kind = "api"

    def send_reply(self, conversation, reply, in_reply_to) -> str | None:
        url = (self.channel.settings or {}).get("callback_url")
        if not url:
            # No callback configured: the integration reads replies from the API instead.
            return None
        try:
            check_callback_url(url)
        except UnsafeCallbackError as exc:
            raise PermanentDeliveryError(str(exc)) from None
        body = json.dumps({
            "delivery_id": reply.id,
            "conversation_external_id": conversation.external_id,
            "in_reply_to": in_reply_to,
            "text": reply.body,
            "created_at": reply.created_at.isoformat(),
        }).encode()
        signature = "sha256=" + hmac.new(self.channel.signing_secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Parvis-Signature": signature,
                   "Idempotency-Key": f"parvis-reply-{reply.id}"}
        try:
            response = requests.post(url, data=body, headers=headers,
                                     timeout=current_app.config["DELIVERY_TIMEOUT_SECONDS"])
        except requests.RequestException as exc:
            raise DeliveryError(f"callback unreachable: {exc}") from exc
        if response.status_code in (400, 401, 403, 404, 410, 422):
            raise PermanentDeliveryError(f"callback refused the reply: HTTP {response.status_code}")
        if response.status_code >= 300:
            raise DeliveryError(f"callback answered HTTP {response.status_code}")
        try:
            return str(response.json().get("external_id") or "") or None
        except ValueError:
            return None
