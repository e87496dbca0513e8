"""The JSON API: signed ingestion for channels, token-authenticated calls for integrations."""
import hashlib
import hmac
import json
from datetime import datetime, timezone

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import db
from ..models import Conversation, Message
from ..security import api_error, token_required
from ..services import conversations, replies
from ..services.dashboard import dashboard
from ..services.conversations import ConversationError
from ..services.ingest import ingest_channel, ingest_lookup, ingest_messages, release_connection
from ..services.listing import CursorError, InboxFilters, conversation_query, fetch_page, thread_page
from ..services.stats_filters import StatsFilters
from ..services.validation import STATUS_INPUT, THREAD_QUERY, validate_messages
from .serializers import conversation_detail, conversation_summary, message_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")
SIGNATURE_HEADER = "X-Parvis-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body: sha256=<hex HMAC-SHA256>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# The single-message path's connection (services.ingest), if a request left one.
bp.teardown_request(release_connection)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    return api_error(413, f"The body is larger than {current_app.config['MAX_CONTENT_LENGTH']} bytes.")


@bp.errorhandler(404)
def not_found(_exc):
    return api_error(404, "Not found.")


@bp.errorhandler(405)
def method_not_allowed(_exc):
    return api_error(405, "Method not allowed.")


def _reject_duplicate_keys(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"duplicate keys: {', '.join(duplicates)}")
    return result


def _parse(body: bytes):
    return json.loads(body.decode("utf-8"), object_pairs_hook=_reject_duplicate_keys)


def _one_valid_message(body: bytes):
    """(payload, message) when the body is one valid message (the common case), else None.

    Parsed and validated before the channel is read, so that its lookup goes with the channel's
    in one statement; anything else takes the checks in their documented order (404, 401, 415,
    400), so every answer stays the same. Nothing is written before the signature is checked.
    """
    if request.mimetype != "application/json":
        return None
    try:
        payload = _parse(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    items, errors = validate_messages(payload, current_app.config["INGEST_MAX_BATCH"])
    if errors or len(items) != 1:
        return None
    return payload, items[0]


@bp.post("/channels/<int:channel_id>/messages")
def ingest(channel_id: int):
    """Receive one message or a list of up to 500, signed with the channel's secret."""
    body = request.get_data(cache=True)
    single = _one_valid_message(body)
    found = None
    if single is not None:
        channel, found = ingest_lookup(channel_id, single[1])
    else:
        channel = ingest_channel(channel_id)
    if channel is None:
        return api_error(404, "Unknown or disabled channel.")
    secret = channel.signing_secret
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not secret or not hmac.compare_digest(sign(secret, body), given):
        return api_error(401, f"Missing or invalid {SIGNATURE_HEADER} header.")
    if single is not None:
        payload, items = single[0], [single[1]]
    else:
        if not request.mimetype == "application/json":
            return api_error(415, "Content-Type must be application/json.")
        try:
            payload = _parse(body)
        except UnicodeDecodeError:
            return api_error(400, "The body is not valid UTF-8.", errors={"_body": ["invalid UTF-8"]})
        except (ValueError, RecursionError) as exc:
            return api_error(400, "The body is not valid JSON.", errors={"_body": [str(exc)[:200]]})
        items, errors = validate_messages(payload, current_app.config["INGEST_MAX_BATCH"])
        if errors:
            return api_error(400, "Invalid message.", errors=errors)
    raws = payload if isinstance(payload, list) else [payload]
    results = ingest_messages(channel, items, raws, found=found)
    created = any(r.created for r in results)
    body = [r.as_dict() for r in results]
    response = jsonify(body[0] if isinstance(payload, dict) else {"results": body})
    response.status_code = 201 if created else 200
    return response


@bp.get("/openapi.json")
def openapi():
    """This API's OpenAPI description (generated from the routes and the validation schemas)."""
    from ..openapi import build_spec

    return jsonify(build_spec())


def _parse_date(value: str | None, name: str):
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):
        raise ConversationError(f"{name} must be an ISO 8601 date") from None


@bp.get("/conversations")
@token_required()
def list_conversations():
    """List conversations with the inbox's filters; `limit` up to 200, `after` = the previous `next_after`."""
    filters = InboxFilters.from_args(request.args)
    if filters.errors:
        return api_error(400, "Invalid filter.", errors=filters.errors)
    try:
        limit = min(max(int(request.args.get("limit", 50)), 1), 200)
    except ValueError:
        return api_error(400, "Invalid filter.", errors={"limit": "must be a number"})
    try:
        rows, next_after = fetch_page(db.session, conversation_query(filters, g.api_user),
                                      request.args.get("after"), limit)
    except CursorError as exc:
        return api_error(400, "Invalid filter.", errors={"after": str(exc)})
    return jsonify({"conversations": [conversation_summary(c) for c in rows], "next_after": next_after})


def _conversation_or_error(conversation_id: int):
    conversation = db.session.get(Conversation, conversation_id)
    return conversation


@bp.get("/conversations/<int:conversation_id>")
@token_required()
def get_conversation(conversation_id: int):
    """One conversation with the latest page of its thread; `before` = the previous `earlier_before`."""
    conversation = _conversation_or_error(conversation_id)
    if conversation is None:
        return api_error(404, "Unknown conversation.")
    try:
        page = THREAD_QUERY.load(request.args)
    except ValidationError as exc:
        return api_error(400, "Invalid page.", errors=exc.messages)
    try:
        # Authors and staff loaded in two queries, not one per message (no N+1).
        messages, earlier_before = thread_page(
            db.session, conversation.id, page.get("before"), page["limit"],
            options=(selectinload(Message.author), selectinload(Message.user)))
    except CursorError as exc:
        return api_error(400, "Invalid page.", errors={"before": str(exc)})
    return jsonify(conversation_detail(conversation, messages, earlier_before))


@bp.post("/conversations/<int:conversation_id>/replies")
@token_required(scope="write")
def post_reply(conversation_id: int):
    """Queue a public reply: {"text": "..."}."""
    conversation = _conversation_or_error(conversation_id)
    if conversation is None:
        return api_error(404, "Unknown conversation.")
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        return api_error(400, "Invalid reply.", errors={"text": ["required string"]})
    try:
        reply = replies.send_reply(conversation, g.api_user, data["text"])
    except ConversationError as exc:
        return api_error(400, "Invalid reply.", errors={"text": [str(exc)]})
    return jsonify(message_json(reply)), 201


@bp.post("/conversations/<int:conversation_id>/status")
@token_required(scope="write")
def post_status(conversation_id: int):
    """Change a conversation's status: {"status": "open|pending|resolved|snoozed", "snoozed_until": ...}."""
    conversation = _conversation_or_error(conversation_id)
    if conversation is None:
        return api_error(404, "Unknown conversation.")
    try:
        data = STATUS_INPUT.load(request.get_json(silent=True))
    except ValidationError as exc:
        return api_error(400, "Invalid status.", errors=exc.messages)
    try:
        conversations.set_status(conversation, data["status"], g.api_user, snoozed_until=data["snoozed_until"])
    except ConversationError as exc:
        return api_error(400, "Invalid status.", errors={"status": [str(exc)]})
    return jsonify(conversation_summary(conversation))


@bp.get("/stats")
@token_required("supervisor", "admin", scope="stats")
def get_stats():
    """Every dashboard figure over ?from=&to= (dates or ISO 8601), &channel=&label= (default 30 days)."""
    filters = StatsFilters.from_args(request.args)
    if filters.errors:
        return api_error(400, "Invalid filter.", errors=filters.errors)
    return jsonify(dashboard(filters))
