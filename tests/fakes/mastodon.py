"""A Mastodon instance's REST API on loopback: notifications (mentions), statuses, credentials.

Follows the real API: Bearer token, `types[]`, `since_id` / `min_id` / `max_id`, `limit`, the Link
header, X-RateLimit-* headers, 429 when the budget is spent, and Idempotency-Key on POST /statuses
(the same key returns the first status instead of posting again).
"""
import copy
import itertools
from datetime import datetime, timedelta, timezone

from .base import FakeServer, json_response, payload

TOKEN = "mastodon-test-token"


class FakeMastodon(FakeServer):
    def __init__(self, rate_limit: int = 300):
        super().__init__()
        self.notifications: list[dict] = []
        self.statuses: list[dict] = []
        self.idempotency: dict[str, dict] = {}
        self.rate_limit = rate_limit
        self.remaining = rate_limit
        self.reset_at = datetime.now(timezone.utc) + timedelta(minutes=5)
        self._ids = itertools.count(117020576916218300)
        self._notification_ids = itertools.count(21)

    def post_mention(self, text_html: str, acct="citoyenne", account_id="4242", visibility="public",
                     in_reply_to_id=None, edited=False) -> dict:
        """A citizen mentions the institution: a notification shaped like the real one."""
        notification = copy.deepcopy(payload("mastodon_notification_mention.mastodonpy_cassette.json"))
        status = notification["status"]
        status_id = str(next(self._ids))
        notification["id"] = str(next(self._notification_ids))
        notification["group_key"] = f"ungrouped-{notification['id']}"
        for account in (notification["account"], status["account"]):
            account.update(id=account_id, username=acct, acct=acct, display_name=acct.capitalize())
        now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        status.update(id=status_id, content=text_html, visibility=visibility, in_reply_to_id=in_reply_to_id,
                      created_at=now, url=f"{self.url}/@{acct}/{status_id}",
                      edited_at=now if edited else None)
        notification["created_at"] = now
        self.notifications.append(notification)
        return notification

    def _rate_headers(self) -> dict:
        return {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remaining": str(max(self.remaining, 0)),
                "X-RateLimit-Reset": self.reset_at.isoformat().replace("+00:00", "Z")}

    def handle(self, request, record):
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return json_response({"error": "The access token is invalid"}, 401)
        self.remaining -= 1
        if self.remaining < 0:
            return json_response({"error": "Too many requests"}, 429, self._rate_headers())
        headers = self._rate_headers()
        if request.path == "/api/v1/accounts/verify_credentials" and request.method == "GET":
            return json_response({"id": "1", "acct": "mairie", "username": "mairie"}, headers=headers)
        if request.path == "/api/v1/notifications" and request.method == "GET":
            return self._notifications(request, headers)
        if request.path == "/api/v1/statuses" and request.method == "POST":
            return self._post_status(request, headers)
        return json_response({"error": "Record not found"}, 404)

    def _notifications(self, request, headers):
        types = request.args.getlist("types[]")
        limit = min(int(request.args.get("limit", 40)), 80)
        items = [n for n in self.notifications if not types or n["type"] in types]
        key = lambda n: int(n["id"])  # noqa: E731
        if request.args.get("since_id"):
            items = [n for n in items if key(n) > int(request.args["since_id"])]
        if request.args.get("max_id"):
            items = [n for n in items if key(n) < int(request.args["max_id"])]
        if request.args.get("min_id"):
            # min_id: the page immediately after the id (oldest first), returned newest first.
            items = sorted((n for n in items if key(n) > int(request.args["min_id"])), key=key)[:limit]
        items = sorted(items, key=key, reverse=True)[:limit]
        if items:
            base = f"{self.url}/api/v1/notifications"
            headers["Link"] = (f'<{base}?max_id={items[-1]["id"]}>; rel="next", '
                               f'<{base}?min_id={items[0]["id"]}>; rel="prev"')
        return json_response(items, headers=headers)

    def _post_status(self, request, headers):
        key = request.headers.get("Idempotency-Key")
        if key and key in self.idempotency:
            return json_response(self.idempotency[key], headers=headers)
        data = request.get_json(silent=True) or request.form.to_dict()
        if not data.get("status"):
            return json_response({"error": "Validation failed: Text can't be blank"}, 422)
        status = copy.deepcopy(payload("mastodon_status.mastodonpy_cassette.json"))
        status_id = str(next(self._ids))
        status.update(id=status_id, content=f"<p>{data['status']}</p>", visibility=data.get("visibility", "public"),
                      in_reply_to_id=data.get("in_reply_to_id"), text=data["status"])
        self.statuses.append(status)
        if key:
            self.idempotency[key] = status
        return json_response(status, headers=headers)

