"""Meta: Facebook Page comments and Messenger, Instagram comments, through webhooks and the Graph API.

Inbound: one webhook endpoint (blueprints/webhooks.py) answers the GET verify-token handshake and
checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret) before parsing.
Outbound: reply to a comment (POST /{comment-id}/comments, Instagram /{comment-id}/replies),
reply in Messenger (POST /me/messages), hide / unhide (POST /{comment-id} is_hidden / hide),
delete (DELETE /{comment-id}). The Graph API has no idempotency key: before posting again after
a failed attempt, the connector looks for the reply among the comment's answers.
"""
import hashlib
import hmac
import json
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l

from .base import ALLOW_PRIVATE_FIELD, Connector, InboundEvent, InvalidPayload, SettingField

# Graph API error codes that mean "too many calls" (application, user, page, business use case).
RATE_LIMIT_CODES = {4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006, 80008}


def signature_ok(app_secret: str | None, body: bytes, header: str | None) -> bool:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>."""
    if not app_secret or not header:
        return False
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.strip())


def _iso(value) -> str:
    """Graph timestamps: epoch seconds, epoch milliseconds (Messenger) or ISO 8601."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        seconds = float(value)
        if seconds > 10_000_000_000:
            seconds /= 1000
        return datetime.fromtimestamp(seconds, timezone.utc).isoformat()
    if isinstance(value, str) and value:
        return value.replace("+0000", "+00:00")
    return datetime.now(timezone.utc).isoformat()


class MetaConnector(Connector):
    """What Facebook Pages and Instagram accounts share."""

    can_push = True
    moderation_actions = ("hide", "unhide", "delete")
    account_setting = ""
    object_name = ""

    @property
    def account_id(self) -> str:
        return str(self.require(self.setting(self.account_setting), self.account_setting))

    @property
    def graph(self) -> str:
        base = self.setting("graph_url", "https://graph.facebook.com").rstrip("/")
        return f"{base}/{self.setting('api_version', 'v21.0')}"

    def _token(self) -> dict:
        return {"access_token": self.require(self.secret("access_token"), "access_token")}

    def _error(self, response) -> dict:
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            return {}
        return error if isinstance(error, dict) else {"message": str(error)}

    def error_message(self, response):
        error = self._error(response)
        if error:
            return f"HTTP {response.status_code}: ({error.get('code')}) {error.get('message')}"
        return super().error_message(response)

    def is_rate_limited(self, response):
        if response.status_code == 429:
            return True
        if response.status_code < 400:
            return False
        return self._error(response).get("code") in RATE_LIMIT_CODES

    def rate_limit_delay(self, response):
        """X-Business-Use-Case-Usage gives minutes to regain access; X-App-Usage percentages."""
        delay = None
        header = response.headers.get("X-Business-Use-Case-Usage")
        if header:
            try:
                for usages in json.loads(header).values():
                    for usage in usages:
                        minutes = usage.get("estimated_time_to_regain_access") or 0
                        if minutes:
                            delay = max(delay or 0, minutes * 60.0)
            except (ValueError, AttributeError):
                pass
        header = response.headers.get("X-App-Usage")
        if header and delay is None:
            try:
                if max(json.loads(header).values()) >= 100:
                    delay = 60.0
            except (ValueError, TypeError):
                pass
        return delay

    def check_connection(self) -> str:
        data = self.http("GET", f"{self.graph}/{self.account_id}",
                         params={"fields": "id,name,username", **self._token()}).json()
        return data.get("name") or data.get("username") or data.get("id")

    # --- inbound ---------------------------------------------------------------------------

    def parse_inbound(self, payload):
        if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
            raise InvalidPayload("expected a Meta webhook object with an entry list")
        if payload.get("object") != self.object_name:
            return []
        events = []
        for entry in payload["entry"]:
            if not isinstance(entry, dict) or str(entry.get("id")) != self.account_id:
                continue
            for change in entry.get("changes") or []:
                events.extend(self._change(entry, change.get("field"), change.get("value") or {}))
            for messaging in entry.get("messaging") or []:
                events.extend(self._messaging(messaging))
        return events

    def _messaging(self, event: dict) -> list[InboundEvent]:
        """A Messenger / Instagram direct message; echoes of our own messages are ignored."""
        sender = str((event.get("sender") or {}).get("id", ""))
        if "message_edit" in event:
            edit = event["message_edit"]
            return [InboundEvent("edit", edit["mid"], text=edit.get("text") or "", raw=event)]
        message = event.get("message")
        if not isinstance(message, dict) or message.get("is_echo") or sender == self.account_id:
            return []
        if message.get("is_deleted"):
            return [InboundEvent("delete", message["mid"], raw=event)]
        text = message.get("text") or ""
        for attachment in message.get("attachments") or []:
            url = (attachment.get("payload") or {}).get("url") or ""
            text = f"{text}\n[{attachment.get('type', 'attachment')}] {url}".strip()
        item = {
            "external_id": message["mid"], "thread_external_id": f"dm:{sender}",
            "parent_external_id": (message.get("reply_to") or {}).get("mid"), "kind": "private",
            "text": text, "created_at": _iso(event.get("timestamp")),
            "author": {"external_id": sender, "name": None, "handle": None},
        }
        return [InboundEvent("message", item["external_id"], item=item, raw=event)]

    def _comment(self, comment_id, parent_id, post_id, text, created, author_id, author_name, raw, action):
        if action in ("message", "edit") and author_id and str(author_id) == self.account_id:
            return []  # our own reply, already in Parvis as an outbound message
        if action != "message":
            return [InboundEvent(action, str(comment_id), text=text, raw=raw)]
        top_level = not parent_id or parent_id == post_id
        thread = str(comment_id) if top_level else (self.thread_of([str(parent_id)]) or str(parent_id))
        self.remember_thread(str(comment_id), thread)
        item = {
            "external_id": str(comment_id), "thread_external_id": thread,
            "parent_external_id": None if top_level else str(parent_id), "kind": "comment",
            "text": text or "", "created_at": _iso(created),
            "author": {"external_id": str(author_id or "unknown"), "name": author_name, "handle": None},
            "post": {"external_id": str(post_id), "text": None, "url": None} if post_id else None,
        }
        return [InboundEvent("message", item["external_id"], item=item, raw=raw)]

    def _change(self, entry, field, value):
        raise NotImplementedError


class FacebookConnector(MetaConnector):
    kind = "facebook"
    object_name = "page"
    account_setting = "page_id"
    fields = (
        SettingField("page_id", _l("Facebook Page id")),
        SettingField("access_token", _l("Page access token (pages_manage_engagement, pages_messaging)"),
                     secret=True),
        SettingField("app_secret", _l("App secret (checks the webhook signatures)"), secret=True),
        SettingField("verify_token", _l("Webhook verify token"), secret=True),
        SettingField("graph_url", _l("Graph API address"), required=False, default="https://graph.facebook.com",
                     destination="url"),
        ALLOW_PRIVATE_FIELD,
    )
    _VERBS = {"add": "message", "edited": "edit", "edit": "edit", "remove": "delete", "hide": "hide",
              "unhide": "unhide"}

    def _change(self, entry, field, value):
        if field in ("feed", "mention") and value.get("item") == "comment":
            action = self._VERBS.get(value.get("verb"))
            if action is None:
                return []
            author = value.get("from") or {}
            return self._comment(
                value.get("comment_id"), value.get("parent_id"), value.get("post_id"), value.get("message"),
                value.get("created_time") or entry.get("time"), author.get("id") or value.get("sender_id"),
                author.get("name") or value.get("sender_name"), {"field": field, "value": value}, action)
        if field == "ratings" and value.get("item") == "rating" and value.get("verb") == "add" \
                and value.get("review_text"):
            story = str(value.get("open_graph_story_id") or value.get("reviewer_id"))
            return self._comment(f"rating:{story}", None, None, value["review_text"], value.get("created_time"),
                                 value.get("reviewer_id"), value.get("reviewer_name"),
                                 {"field": field, "value": value}, "message")
        return []

    def can_moderate(self, message, action):
        return (super().can_moderate(message, action) and message.conversation.kind == "comment"
                and not str(message.external_id).startswith("rating:"))

    def hide(self, message):
        self.http("POST", f"{self.graph}/{message.external_id}", data={"is_hidden": "true", **self._token()},
                  idempotent=True)

    def unhide(self, message):
        self.http("POST", f"{self.graph}/{message.external_id}", data={"is_hidden": "false", **self._token()},
                  idempotent=True)

    def delete(self, message):
        self.http("DELETE", f"{self.graph}/{message.external_id}", params=self._token())

    def send_reply(self, conversation, reply, in_reply_to):
        if conversation.kind == "private":
            return self._send_direct(conversation, reply)
        # Facebook threads one level deep: answering the top comment keeps the reply in its thread.
        target = conversation.external_id
        if reply.delivery_attempts > 1:
            existing = self._find_existing_reply(f"{self.graph}/{target}/comments", reply.body)
            if existing:
                return existing
        response = self.http("POST", f"{self.graph}/{target}/comments",
                             data={"message": reply.body, **self._token()})
        return str(response.json()["id"])

    def _send_direct(self, conversation, reply):
        recipient = conversation.external_id.removeprefix("dm:")
        response = self.http("POST", f"{self.graph}/me/messages", params=self._token(), json={
            "recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": {"text": reply.body}})
        return str(response.json().get("message_id") or "") or None

    def _find_existing_reply(self, url, body):
        """The reply an earlier attempt may have posted before its answer was lost."""
        data = self.http("GET", url, params={"fields": "id,message,from", "filter": "stream",
                                             "order": "reverse_chronological", "limit": 100,
                                             **self._token()}).json()
        for comment in data.get("data") or []:
            author = str((comment.get("from") or {}).get("id", ""))
            if author == self.account_id and comment.get("message") == body:
                return str(comment["id"])
        return None


class InstagramConnector(FacebookConnector):
    kind = "instagram"
    object_name = "instagram"
    account_setting = "ig_user_id"
    fields = (
        SettingField("ig_user_id", _l("Instagram professional account id")),
        SettingField("access_token", _l("Access token (instagram_manage_comments, instagram_manage_messages)"),
                     secret=True),
        SettingField("app_secret", _l("App secret (checks the webhook signatures)"), secret=True),
        SettingField("verify_token", _l("Webhook verify token"), secret=True),
        SettingField("graph_url", _l("Graph API address"), required=False, default="https://graph.facebook.com",
                     destination="url"),
        ALLOW_PRIVATE_FIELD,
    )

    def _change(self, entry, field, value):
        if field != "comments" or "id" not in value:
            return []
        author = value.get("from") or {}
        media = value.get("media") or {}
        return self._comment(value["id"], value.get("parent_id"), media.get("id"), value.get("text"),
                             value.get("timestamp") or entry.get("time"), author.get("id"),
                             author.get("username"), {"field": field, "value": value}, "message")

    def hide(self, message):
        self.http("POST", f"{self.graph}/{message.external_id}", data={"hide": "true", **self._token()},
                  idempotent=True)

    def unhide(self, message):
        self.http("POST", f"{self.graph}/{message.external_id}", data={"hide": "false", **self._token()},
                  idempotent=True)

    def send_reply(self, conversation, reply, in_reply_to):
        if conversation.kind == "private":
            return self._send_direct(conversation, reply)
        target = conversation.external_id
        if reply.delivery_attempts > 1:
            existing = self._find_existing_reply(f"{self.graph}/{target}/replies", reply.body)
            if existing:
                return existing
        response = self.http("POST", f"{self.graph}/{target}/replies", data={"message": reply.body, **self._token()})
        return str(response.json()["id"])
