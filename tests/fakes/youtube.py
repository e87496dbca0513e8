"""The YouTube Data API v3 on loopback: commentThreads (allThreadsRelatedToChannelId, pageToken,
maxResults), comments.insert, comments.list (parentId), comments.setModerationStatus, channels.list.

OAuth Bearer token required; quota errors answer 403 with reason quotaExceeded like Google does.
Threads are the real pyyoutube samples from ../shared/data/payloads.
"""
import copy
import itertools
from datetime import datetime, timezone

from werkzeug.wrappers import Response

from .base import FakeServer, json_response, payload

TOKEN = "ya29.youtube-test-token"
CHANNEL_ID = "UCa-vrCLQHviTOVnEKDOdetQ"


def google_error(code, message, reason, domain="youtube.commentThread"):
    return json_response({"error": {"code": code, "message": message,
                                    "errors": [{"message": message, "domain": domain, "reason": reason}]}}, code)


class FakeYouTube(FakeServer):
    def __init__(self):
        super().__init__()
        sample = payload("youtube_commentThreadListResponse_allThreadsRelatedToChannel.pyyoutube.json")
        self.threads: list[dict] = copy.deepcopy(sample["items"])  # newest first, like order=time
        self.moderation: dict[str, str] = {}
        self._ids = itertools.count(1)

    def add_thread(self, text: str, author="UCcitizen000000000000001", name="Camille") -> dict:
        thread = copy.deepcopy(payload("youtube_commentThread.pyyoutube.json"))
        thread_id = f"UgzNew{next(self._ids):04d}AaABAg"
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        top = thread["snippet"]["topLevelComment"]
        thread["id"] = top["id"] = thread_id
        thread["snippet"]["channelId"] = CHANNEL_ID
        top["snippet"].update(textOriginal=text, textDisplay=text, publishedAt=now, updatedAt=now,
                              authorDisplayName=name, authorChannelId={"value": author}, channelId=CHANNEL_ID)
        thread.pop("replies", None)
        thread["snippet"]["totalReplyCount"] = 0
        self.threads.insert(0, thread)
        return thread

    def handle(self, request, record):
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return google_error(401, "Request had invalid authentication credentials.", "authError", "global")
        path = request.path.removeprefix("/youtube/v3")
        if path == "/commentThreads" and request.method == "GET":
            return self._threads(request)
        if path == "/comments" and request.method == "POST":
            return self._insert(request)
        if path == "/comments" and request.method == "GET":
            parent = request.args.get("parentId")
            thread = next((t for t in self.threads if t["id"] == parent), None)
            comments = (thread.get("replies") or {}).get("comments", []) if thread else []
            return json_response({"kind": "youtube#commentListResponse", "items": comments})
        if path == "/comments/setModerationStatus" and request.method == "POST":
            status = request.args.get("moderationStatus")
            if status not in ("heldForReview", "published", "rejected") or not request.args.get("id"):
                return google_error(400, "Invalid value for moderationStatus", "invalidModerationStatus")
            self.moderation[request.args["id"]] = status
            return Response(status=204)
        if path == "/channels" and request.method == "GET":
            return json_response({"items": [{"id": CHANNEL_ID, "snippet": {"title": "Ville de Villeneuve"}}]})
        return google_error(404, "Not Found", "notFound", "global")

    def _threads(self, request):
        if request.args.get("allThreadsRelatedToChannelId") != CHANNEL_ID:
            return google_error(400, "channelId is required", "missingRequiredParameter")
        if "snippet" not in request.args.get("part", ""):
            return google_error(400, "part is required", "missingRequiredParameter")
        size = int(request.args.get("maxResults", 20))
        start = int(request.args.get("pageToken", "0") or 0)
        page = self.threads[start:start + size]
        body = {"kind": "youtube#commentThreadListResponse", "pageInfo": {"totalResults": len(page),
                                                                          "resultsPerPage": size},
                "items": page}
        if start + size < len(self.threads):
            body["nextPageToken"] = str(start + size)
        return json_response(body)

    def _insert(self, request):
        snippet = (request.get_json(silent=True) or {}).get("snippet") or {}
        thread = next((t for t in self.threads if t["id"] == snippet.get("parentId")), None)
        if thread is None:
            return google_error(404, "The parent comment could not be found.", "parentCommentNotFound",
                                "youtube.comment")
        if not snippet.get("textOriginal"):
            return google_error(400, "The comment is empty.", "commentTextRequired", "youtube.comment")
        comment = {"kind": "youtube#comment", "id": f"{thread['id']}.reply{next(self._ids)}",
                   "snippet": {"textOriginal": snippet["textOriginal"], "parentId": thread["id"],
                               "authorChannelId": {"value": CHANNEL_ID}, "authorDisplayName": "Ville"}}
        thread.setdefault("replies", {"comments": []})["comments"].append(comment)
        return json_response(comment)
