"""Meta's side on loopback: the Graph API (comments, Messenger Send API, hide, delete) and the
webhook sender that signs each event with the app secret (X-Hub-Signature-256) like Meta does.

Webhook bodies are the real sample payloads from ../shared/data/payloads with ids changed.
"""
import copy
import hashlib
import hmac
import itertools
import json
import time

import requests

from .base import FakeServer, json_response, payload

PAGE_ID = "1234567890321"
IG_USER_ID = "17841400000000000"
PAGE_TOKEN = "EAAG-page-token"
APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "parvis-verify-token"
VERSION = "v21.0"


def graph_error(message, code, status=400, error_type="OAuthException", headers=None):
    return json_response({"error": {"message": message, "type": error_type, "code": code,
                                    "fbtrace_id": "AbCdEf"}}, status, headers)


class FakeMeta(FakeServer):
    def __init__(self, webhook_url: str | None = None):
        super().__init__()
        self.webhook_url = webhook_url
        self.comments: dict[str, dict] = {}
        self.messages: list[dict] = []
        self._ids = itertools.count(903438993085300)
        self.webhook_responses: list[requests.Response] = []

    # --- the webhook side ---------------------------------------------------------------

    def sign(self, body: bytes, secret: str = APP_SECRET) -> str:
        return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def deliver(self, event: dict, secret: str = APP_SECRET) -> requests.Response:
        body = json.dumps(event).encode()
        response = requests.post(self.webhook_url, data=body, timeout=30, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": self.sign(body, secret)})
        self.webhook_responses.append(response)
        return response

    def citizen_comment(self, text: str, author_id="555000111", author_name="Léa Martin",
                        post_suffix="901097836652708", parent_id=None, verb="add", comment_id=None) -> dict:
        """A feed comment webhook (the real 'feed / comment / add' sample with our values)."""
        event = copy.deepcopy(payload("meta_page_feed_comment_add.restfb.json"))
        value = event["entry"][0]["changes"][0]["value"]
        post_id = f"{PAGE_ID}_{post_suffix}"
        comment_id = comment_id or f"{post_suffix}_{next(self._ids)}"
        event["entry"][0]["time"] = int(time.time())
        value.update(comment_id=comment_id, post_id=post_id, parent_id=parent_id or post_id,
                     message=text, created_time=int(time.time()), verb=verb,
                     **{"from": {"id": author_id, "name": author_name}})
        self.comments[comment_id] = {"id": comment_id, "message": text, "from": {"id": author_id},
                                     "replies": [], "is_hidden": False}
        return event

    def comment_change(self, sample: str, comment_id: str, **values) -> dict:
        """hide / remove / edited webhooks from the real samples, aimed at one comment."""
        event = copy.deepcopy(payload(sample))
        change = event["entry"][0]["changes"][0]["value"]
        change.update(comment_id=comment_id, **values)
        return event

    def messenger_message(self, text: str, sender="987654321432", mid=None, echo=False) -> dict:
        event = copy.deepcopy(payload("meta_messenger_message.restfb.json"))
        entry = event["entry"][0]
        entry["id"] = int(PAGE_ID)
        messaging = entry["messaging"][0]
        messaging["sender"]["id"] = int(PAGE_ID) if echo else int(sender)
        messaging["recipient"]["id"] = int(sender) if echo else int(PAGE_ID)
        messaging["timestamp"] = int(time.time() * 1000)
        messaging["message"].update(mid=mid or f"mid.{next(self._ids)}", text=text)
        if echo:
            messaging["message"]["is_echo"] = True
        return event

    # --- the Graph API side -------------------------------------------------------------

    def _token(self, request):
        return request.values.get("access_token") or request.headers.get("Authorization", "").removeprefix("Bearer ")

    def handle(self, request, record):
        parts = request.path.strip("/").split("/")
        if not parts or parts[0] != VERSION:
            return graph_error("Unknown path components", 2500)
        if self._token(request) != PAGE_TOKEN:
            return graph_error("Invalid OAuth access token - Cannot parse access token", 190, 400)
        parts = parts[1:]
        if parts == ["me", "messages"] and request.method == "POST":
            data = request.get_json(silent=True) or {}
            if not (data.get("recipient") or {}).get("id") or not (data.get("message") or {}).get("text"):
                return graph_error("(#100) The parameter recipient is required", 100)
            message_id = f"m_{next(self._ids)}"
            self.messages.append({"id": message_id, **data})
            return json_response({"recipient_id": data["recipient"]["id"], "message_id": message_id})
        if len(parts) == 1 and request.method == "GET":
            if parts[0] in (PAGE_ID, IG_USER_ID):
                return json_response({"id": parts[0], "name": "Mairie de Villeneuve-sur-Lys"})
            return graph_error("Unsupported get request.", 100)
        if len(parts) == 1 and request.method == "POST":
            comment = self.comments.get(parts[0])
            if comment is None:
                return graph_error("Unsupported post request.", 100)
            flag = request.values.get("is_hidden", request.values.get("hide"))
            comment["is_hidden"] = flag == "true"
            return json_response({"success": True})
        if len(parts) == 1 and request.method == "DELETE":
            if self.comments.pop(parts[0], None) is None:
                return graph_error("Unsupported delete request.", 100)
            return json_response({"success": True})
        if len(parts) == 2 and parts[1] in ("comments", "replies"):
            comment = self.comments.get(parts[0])
            if comment is None:
                return graph_error("Unsupported request.", 100)
            if request.method == "GET":
                return json_response({"data": comment["replies"], "paging": {"cursors": {}}})
            if not request.values.get("message"):
                return graph_error("(#100) Missing message or attachment", 100)
            reply = {"id": f"{parts[0].split('_')[0]}_{next(self._ids)}", "message": request.values["message"],
                     "from": {"id": PAGE_ID if parts[1] == "comments" else IG_USER_ID}}
            comment["replies"].append(reply)
            return json_response({"id": reply["id"]})
        return graph_error("Unknown path components", 2500)
