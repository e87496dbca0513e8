"""Mastodon: poll mentions (public comments and direct messages), reply with an Idempotency-Key.

API: GET /api/v1/notifications?types[]=mention&since_id=... (newest first, paginated with the
Link header), POST /api/v1/statuses. Rate headers: X-RateLimit-Remaining / X-RateLimit-Reset.
Mastodon has no API to hide or delete someone else's reply on our post: moderation stays in Parvis.
"""
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l

from .base import (ALLOW_PRIVATE_FIELD, Connector, InboundEvent, InvalidPayload, PermanentDeliveryError, PollResult,
                   SettingField, last_inbound)
from .text import html_to_text

PAGE_SIZE = 40
MAX_PAGES = 25
_VISIBILITIES = ("public", "unlisted", "private", "direct")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


class MastodonConnector(Connector):
    kind = "mastodon"
    can_poll = True
    fields = (
        SettingField("base_url", _l("Instance address (https://...)"), destination="url"),
        SettingField("access_token", _l("Access token (scopes read:notifications read:statuses write:statuses)"),
                     secret=True),
        ALLOW_PRIVATE_FIELD,
    )

    @property
    def base_url(self) -> str:
        return self.require(self.setting("base_url"), "base_url").rstrip("/")

    def _headers(self, **extra) -> dict:
        token = self.require(self.secret("access_token"), "access_token")
        return {"Authorization": f"Bearer {token}", **extra}

    def rate_limit_delay(self, response):
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return None
        try:
            if int(remaining) > 0:
                return None
            return max((_parse_time(reset) - datetime.now(timezone.utc)).total_seconds(), 1.0)
        except ValueError:
            return None

    def error_message(self, response):
        try:
            detail = response.json().get("error")
        except ValueError:
            detail = None
        return f"HTTP {response.status_code}: {detail}" if detail else super().error_message(response)

    def check_connection(self) -> str:
        account = self.http("GET", f"{self.base_url}/api/v1/accounts/verify_credentials",
                            headers=self._headers()).json()
        return f"@{account.get('acct')}"

    def poll(self, cursor):
        """Every mention newer than the cursor (a notification id), oldest first.

        `min_id` pages forward from the cursor (Mastodon's `since_id` would return the newest
        page and leave a gap when more than one page arrived between two polls).
        """
        notifications = []
        for _page in range(MAX_PAGES):
            params = {"types[]": "mention", "limit": PAGE_SIZE}
            if cursor:
                params["min_id"] = cursor
            page = self.http("GET", f"{self.base_url}/api/v1/notifications", params=params,
                             headers=self._headers()).json()
            if not isinstance(page, list):
                raise PermanentDeliveryError("mastodon: notifications are not a list")
            if not page:
                break
            notifications.extend(page)
            cursor = max(page, key=lambda n: int(n["id"]))["id"]
            if len(page) < PAGE_SIZE:
                break
        notifications.sort(key=lambda n: int(n["id"]))
        events = []
        for notification in notifications:
            events.extend(self.parse_inbound(notification))
        return PollResult(events=events, cursor=cursor)

    def parse_inbound(self, payload):
        """One notification (or a bare status) into a message event."""
        if not isinstance(payload, dict):
            raise InvalidPayload("expected a Mastodon notification object")
        if "type" in payload and payload["type"] != "mention":
            return []
        status = payload.get("status") if "type" in payload else payload
        if not isinstance(status, dict) or "id" not in status or "account" not in status:
            raise InvalidPayload("the notification has no status")
        account = status["account"]
        private = status.get("visibility") == "direct"
        parent = status.get("in_reply_to_id")
        thread = self.thread_of([parent])
        if thread is None:
            thread = f"dm:{account['id']}" if private else str(status["id"])
        self.remember_thread(str(status["id"]), thread)
        item = {
            "external_id": str(status["id"]),
            "thread_external_id": thread,
            "parent_external_id": str(parent) if parent else None,
            "kind": "private" if private else "comment",
            "text": html_to_text(status.get("content")) or (status.get("spoiler_text") or ""),
            "created_at": status["created_at"],
            "author": {"external_id": str(account["id"]), "name": account.get("display_name") or None,
                       "handle": account.get("acct")},
            "permalink": status.get("url") or None,
        }
        if parent and not private:
            item["post"] = {"external_id": str(parent), "text": None, "url": None}
        action = "edit" if status.get("edited_at") else "message"
        return [InboundEvent(action, item["external_id"], item=item, raw=payload, text=item["text"])]

    def send_reply(self, conversation, reply, in_reply_to):
        """POST /api/v1/statuses; the Idempotency-Key makes Mastodon return the first status on a retry."""
        inbound = last_inbound(reply)
        handle = inbound.author.handle if inbound is not None and inbound.author else None
        text = reply.body if not handle or f"@{handle}" in reply.body else f"@{handle} {reply.body}"
        # The reply keeps the citizen's visibility: a direct message is answered in private.
        raw_status = ((inbound.raw or {}).get("status") or inbound.raw or {}) if inbound else {}
        visibility = raw_status.get("visibility") if raw_status.get("visibility") in _VISIBILITIES else (
            "direct" if conversation.kind == "private" else "public")
        data = {"status": text, "visibility": visibility}
        if in_reply_to:
            data["in_reply_to_id"] = in_reply_to
        response = self.http("POST", f"{self.base_url}/api/v1/statuses", data=data, idempotent=True,
                             headers=self._headers(**{"Idempotency-Key": f"parvis-reply-{reply.id}"}))
        return str(response.json()["id"])

