"""The token-authenticated JSON API: conversations, replies, status, stats."""
from inbox.extensions import db
from inbox.models import ApiToken, Message
from inbox.models.base import utcnow
from tests.helpers import post_signed


def _auth(raw):
    return {"Authorization": f"Bearer {raw}"}


def test_token_is_required_and_revocable(client, factory):
    user = factory.user()
    raw = factory.token(user)
    assert client.get("/api/v1/conversations").status_code == 401
    assert client.get("/api/v1/conversations", headers=_auth("pvs_nope")).status_code == 401
    assert client.get("/api/v1/conversations", headers=_auth(raw)).status_code == 200
    token = ApiToken.query.one()
    assert token.token_hash != raw and token.last_used_at is not None
    token.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/conversations", headers=_auth(raw)).status_code == 401


def test_list_filter_detail_reply_and_status(client, factory):
    channel = factory.channel()
    user = factory.user()
    raw = factory.token(user)
    first = post_signed(client, channel, factory.payload(text="Poubelles pas ramassées")).get_json()
    post_signed(client, channel, factory.payload(text="Merci !"))
    listing = client.get("/api/v1/conversations?status=open", headers=_auth(raw)).get_json()
    assert len(listing["conversations"]) == 2
    assert client.get("/api/v1/conversations?status=nope", headers=_auth(raw)).status_code == 400
    conversation_id = first["conversation_id"]
    detail = client.get(f"/api/v1/conversations/{conversation_id}", headers=_auth(raw)).get_json()
    assert detail["messages"][0]["text"] == "Poubelles pas ramassées"
    assert detail["messages"][0]["classification"]["status"] == "pending"
    reply = client.post(f"/api/v1/conversations/{conversation_id}/replies", json={"text": "C'est noté."},
                        headers=_auth(raw))
    assert reply.status_code == 201
    assert reply.get_json()["delivery"]["status"] == "queued"
    assert Message.query.filter_by(direction="out").count() == 1
    bad = client.post(f"/api/v1/conversations/{conversation_id}/replies", json={"txt": "x"}, headers=_auth(raw))
    assert bad.status_code == 400 and "text" in bad.get_json()["errors"]
    status = client.post(f"/api/v1/conversations/{conversation_id}/status", json={"status": "resolved"},
                         headers=_auth(raw))
    assert status.status_code == 200 and status.get_json()["status"] == "resolved"
    wrong = client.post(f"/api/v1/conversations/{conversation_id}/status", json={"status": "done"},
                        headers=_auth(raw))
    assert wrong.status_code == 400
    snooze = client.post(f"/api/v1/conversations/{conversation_id}/status",
                         json={"status": "snoozed", "snoozed_until": "2020-01-01T00:00:00Z"}, headers=_auth(raw))
    assert snooze.status_code == 400
    assert client.get("/api/v1/conversations/99999", headers=_auth(raw)).status_code == 404


def test_stats_need_a_supervisor_token_and_count(client, factory):
    channel = factory.channel()
    agent_raw = factory.token(factory.user(role="agent"))
    supervisor_raw = factory.token(factory.user(role="supervisor"))
    for text in ("a", "b", "c"):
        post_signed(client, channel, factory.payload(text=text, created_at=utcnow().isoformat()))
    assert client.get("/api/v1/stats", headers=_auth(agent_raw)).status_code == 403
    stats = client.get("/api/v1/stats", headers=_auth(supervisor_raw)).get_json()
    assert stats["conversations"]["open"] == 3
    assert stats["messages_received"] == 3
    assert stats["oldest_waiting"]["conversation_id"] is not None
    assert client.get("/api/v1/stats?from=garbage", headers=_auth(supervisor_raw)).status_code == 400
    ranged = client.get("/api/v1/stats?from=2000-01-01T00:00:00&to=2000-02-01T00:00:00",
                        headers=_auth(supervisor_raw)).get_json()
    assert ranged["messages_received"] == 0


def test_token_last_use_is_written_at_most_once_a_minute(client, factory):
    """Every call is authenticated, but last_used_at is only written when a minute has passed."""
    from datetime import timedelta

    from sqlalchemy import event

    user = factory.user()
    raw = factory.token(user)
    assert client.get("/api/v1/conversations", headers=_auth(raw)).status_code == 200
    token = ApiToken.query.one()
    first_use = token.last_used_at
    assert first_use is not None
    updates = []
    listener = lambda *args: updates.append(args[2]) if args[2].lstrip().upper().startswith("UPDATE") else None  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for _ in range(3):
            assert client.get("/api/v1/conversations", headers=_auth(raw)).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert updates == []
    db.session.refresh(token)
    assert token.last_used_at == first_use
    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    assert client.get("/api/v1/conversations", headers=_auth(raw)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at > first_use
    # A revoked token is refused at once, whatever its last use.
    token.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/conversations", headers=_auth(raw)).status_code == 401
