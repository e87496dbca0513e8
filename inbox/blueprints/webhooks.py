"""Webhooks the networks call: Meta (Facebook Pages, Messenger, Instagram) and the website form.

CSRF-exempt: every call is authenticated by the network's signature (Meta) or limited by origin,
honeypot and rate (the public website form).
"""
import hmac
import json

import redis
from flask import Blueprint, jsonify, redirect, request

from ..connectors import InvalidPayload, connector_for
from ..connectors.meta import signature_ok
from ..extensions import db
from ..models import Channel
from ..redis_conn import get_redis
from ..security import api_error
from ..services.network_events import apply_events

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
META_KINDS = ("facebook", "instagram")
FORM_POSTS_PER_MINUTE = 20


def _meta_channels():
    return Channel.query.filter(Channel.kind.in_(META_KINDS), Channel.enabled.is_(True)).all()


@bp.get("/meta")
def meta_verify():
    """The subscription handshake: echo hub.challenge when hub.verify_token is one of ours."""
    if request.args.get("hub.mode") != "subscribe":
        return api_error(400, "hub.mode must be subscribe.")
    given = request.args.get("hub.verify_token", "")
    for channel in _meta_channels():
        expected = channel.secret("verify_token")
        if expected and hmac.compare_digest(expected, given):
            return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}
    return api_error(403, "Unknown hub.verify_token.")


@bp.post("/meta")
def meta_event():
    """A Page / Instagram event, signed with X-Hub-Signature-256 over the raw body."""
    body = request.get_data(cache=True)
    header = request.headers.get("X-Hub-Signature-256")
    channels = [c for c in _meta_channels() if signature_ok(c.secret("app_secret"), body, header)]
    if not channels:
        return api_error(401, "Missing or invalid X-Hub-Signature-256 header.")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return api_error(400, "The body is not valid JSON.")
    summary = {}
    try:
        parsed = [(channel, connector_for(channel).parse_inbound(payload)) for channel in channels]
    except InvalidPayload as exc:
        return api_error(400, f"Invalid Meta payload: {exc}")
    for channel, events in parsed:
        if events:
            summary[channel.id] = apply_events(channel, events).as_dict()
    return jsonify({"channels": summary})


def _form_rate_limited(channel_id: int) -> bool:
    key = f"parvis:form:{channel_id}:{request.remote_addr}"
    try:
        count = get_redis().incr(key)
        if count == 1:
            get_redis().expire(key, 60)
        return count > FORM_POSTS_PER_MINUTE
    except redis.RedisError:
        return False


@bp.post("/form/<int:channel_id>")
def form_post(channel_id: int):
    """A message from the institution's website contact form."""
    channel = db.session.get(Channel, channel_id)
    if channel is None or channel.kind != "form" or not channel.enabled:
        return api_error(404, "Unknown or disabled form channel.")
    connector = connector_for(channel)
    if not connector.origin_allowed(request.headers.get("Origin")):
        return api_error(403, "This website is not allowed to post to this form.")
    if _form_rate_limited(channel_id):
        return api_error(429, "Too many messages, try again in a minute.")
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        return api_error(400, "Expected a form or a JSON object.")
    thanks = channel.setting("thanks_url")
    if data.get("website"):
        # The honeypot field was filled: a robot. Answer as if accepted, store nothing.
        return redirect(thanks, 303) if thanks and not request.is_json else (jsonify({"status": "received"}), 202)
    try:
        events = connector.parse_inbound(data)
    except InvalidPayload as exc:
        errors = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {"_body": str(exc)}
        return api_error(400, "Invalid form.", errors=errors)
    result = apply_events(channel, events)
    if thanks and not request.is_json:
        return redirect(thanks, 303)
    return jsonify({"status": "received", "created": result.created}), 201 if result.created else 200
