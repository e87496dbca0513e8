"""YouTube: poll the channel's comment threads, reply with comments.insert, moderate with
comments.setModerationStatus (YouTube Data API v3, OAuth 2.0 access token of the channel owner).

Quota errors (403 quotaExceeded / rateLimitExceeded, 429) pause the channel until the next poll.
There is no idempotency key: before posting again after a failed attempt, the connector lists
the thread's replies and reuses ours if the earlier attempt did land.
"""
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l

from .base import ALLOW_PRIVATE_FIELD, Connector, InboundEvent, InvalidPayload, PollResult, SettingField
from .text import html_to_text

PAGE_SIZE = 100
MAX_PAGES = 20
QUOTA_REASONS = {"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded", "dailyLimitExceeded"}
# hide: held for review (invisible to the public, can be published again); delete: rejected.
_MODERATION_STATUS = {"hide": "heldForReview", "unhide": "published", "delete": "rejected"}


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


class YouTubeConnector(Connector):
    kind = "youtube"
    can_poll = True
    moderation_actions = ("hide", "unhide", "delete")
    fields = (
        SettingField("channel_id", _l("YouTube channel id (UC...)")),
        SettingField("access_token", _l("OAuth access token (scope youtube.force-ssl)"), secret=True),
        SettingField("api_url", _l("API address"), required=False, default="https://www.googleapis.com",
                     destination="url"),
        ALLOW_PRIVATE_FIELD,
    )

    @property
    def api(self) -> str:
        return self.setting("api_url", "https://www.googleapis.com").rstrip("/") + "/youtube/v3"

    @property
    def channel_id(self) -> str:
        return self.require(self.setting("channel_id"), "channel_id")

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.require(self.secret('access_token'), 'access_token')}"}

    def _error(self, response) -> dict:
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):
            return {}
        return error if isinstance(error, dict) else {"message": str(error)}

    def _reasons(self, response) -> set:
        return {e.get("reason") for e in self._error(response).get("errors") or [] if isinstance(e, dict)}

    def is_rate_limited(self, response):
        return response.status_code == 429 or (response.status_code == 403 and bool(self._reasons(response) & QUOTA_REASONS))

    def rate_limit_delay(self, response):
        if response.status_code == 403 and "quotaExceeded" in self._reasons(response):
            return 3600.0  # the daily quota comes back at midnight Pacific time; try again hourly
        return None

    def error_message(self, response):
        error = self._error(response)
        if error:
            reasons = ",".join(sorted(r for r in self._reasons(response) if r))
            return f"HTTP {response.status_code}: {error.get('message')} ({reasons})"
        return super().error_message(response)

    def check_connection(self) -> str:
        data = self.http("GET", f"{self.api}/channels", params={"part": "snippet", "id": self.channel_id},
                         headers=self._headers()).json()
        items = data.get("items") or []
        return items[0]["snippet"]["title"] if items else self.channel_id

    def poll(self, cursor):
        """Threads updated since the cursor (the newest updatedAt seen), newest first, paginated."""
        since = _parse_time(cursor) if cursor else None
        events, newest, page_token = [], since, None
        for _page in range(MAX_PAGES):
            params = {"part": "snippet,replies", "allThreadsRelatedToChannelId": self.channel_id,
                      "maxResults": PAGE_SIZE, "order": "time", "textFormat": "plainText"}
            if page_token:
                params["pageToken"] = page_token
            data = self.http("GET", f"{self.api}/commentThreads", params=params, headers=self._headers()).json()
            reached_cursor = False
            for thread in data.get("items") or []:
                comments = self._thread_comments(thread)
                stamps = [_parse_time(c["snippet"]["updatedAt"]) for c in comments]
                latest = max(stamps)
                if since and latest <= since:
                    reached_cursor = True
                    continue
                newest = max(newest, latest) if newest else latest
                for comment in comments:
                    if since is None or _parse_time(comment["snippet"]["updatedAt"]) > since:
                        events.extend(self._comment_events(thread, comment))
            page_token = data.get("nextPageToken")
            if not page_token or reached_cursor:
                break
        events.reverse()  # oldest first
        return PollResult(events=events, cursor=newest.isoformat() if newest else cursor)

    @staticmethod
    def _thread_comments(thread: dict) -> list[dict]:
        snippet = thread.get("snippet") or {}
        if "topLevelComment" not in snippet:
            raise InvalidPayload("a commentThread without topLevelComment")
        return [snippet["topLevelComment"], *((thread.get("replies") or {}).get("comments") or [])]

    def parse_inbound(self, payload):
        """A commentThread resource (or a list response) into message events."""
        threads = payload.get("items") if payload.get("kind") == "youtube#commentThreadListResponse" else [payload]
        events = []
        for thread in threads or []:
            for comment in self._thread_comments(thread):
                events.extend(self._comment_events(thread, comment))
        return events

    def _comment_events(self, thread, comment) -> list[InboundEvent]:
        snippet = comment["snippet"]
        author = (snippet.get("authorChannelId") or {}).get("value") or snippet.get("authorDisplayName") or "unknown"
        if author == self.setting("channel_id"):
            return []  # the institution's own reply
        top = thread["snippet"]["topLevelComment"]["id"]
        video = thread["snippet"].get("videoId") or snippet.get("videoId")
        text = snippet.get("textOriginal") or html_to_text(snippet.get("textDisplay"))
        item = {
            "external_id": comment["id"], "thread_external_id": thread["id"],
            "parent_external_id": None if comment["id"] == top else top, "kind": "comment",
            "text": text, "created_at": snippet["publishedAt"],
            "author": {"external_id": author, "name": snippet.get("authorDisplayName"), "handle": None},
            "permalink": f"https://www.youtube.com/watch?v={video}&lc={comment['id']}" if video else None,
            "post": {"external_id": video, "text": None,
                     "url": f"https://www.youtube.com/watch?v={video}"} if video else None,
        }
        edited = snippet.get("updatedAt") and snippet.get("updatedAt") != snippet.get("publishedAt")
        return [InboundEvent("edit" if edited else "message", comment["id"], item=item, raw=comment, text=text)]

    def send_reply(self, conversation, reply, in_reply_to):
        parent = conversation.external_id  # the thread id is its top-level comment's id
        if reply.delivery_attempts > 1:
            existing = self._find_existing_reply(parent, reply.body)
            if existing:
                return existing
        response = self.http("POST", f"{self.api}/comments", params={"part": "snippet"}, headers=self._headers(),
                             json={"snippet": {"parentId": parent, "textOriginal": reply.body}})
        return response.json()["id"]

    def _find_existing_reply(self, parent, body):
        data = self.http("GET", f"{self.api}/comments", headers=self._headers(), params={
            "part": "snippet", "parentId": parent, "maxResults": 100, "textFormat": "plainText"}).json()
        for comment in data.get("items") or []:
            snippet = comment.get("snippet") or {}
            if (snippet.get("authorChannelId") or {}).get("value") == self.channel_id \
                    and snippet.get("textOriginal") == body:
                return comment["id"]
        return None

    def moderate(self, message, action):
        if not self.can_moderate(message, action):
            return super().moderate(message, action)
        self.http("POST", f"{self.api}/comments/setModerationStatus", headers=self._headers(), idempotent=True,
                  params={"id": message.external_id, "moderationStatus": _MODERATION_STATUS[action]})
