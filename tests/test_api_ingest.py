"""The signed ingestion API: storage, idempotency, and a clear error for every bad input."""
import json

import pytest

from inbox.extensions import db
from inbox.models import Author, Conversation, Message
from inbox.services.queue import CLASSIFY_WAKEUP_KEY, QUEUE_CLASSIFY

from tests.helpers import post_signed


def test_one_message_is_stored_and_a_wakeup_enqueued(client, factory, redis_client):
    channel = factory.channel()
    response = post_signed(client, channel, factory.payload(external_id="c-1", text="Nid de poule rue Jaurès"))
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "created" and body["external_id"] == "c-1"
    message = db.session.get(Message, body["id"])
    assert message.body == "Nid de poule rue Jaurès"
    assert message.classify_status == "pending"
    assert message.conversation.status == "open"
    assert redis_client.llen(f"rq:queue:{QUEUE_CLASSIFY}") == 1
    assert redis_client.exists(CLASSIFY_WAKEUP_KEY)


def test_duplicate_delivery_creates_nothing(client, factory):
    channel = factory.channel()
    payload = factory.payload(external_id="dup-1")
    first = post_signed(client, channel, payload)
    second = post_signed(client, channel, payload)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.get_json()["status"] == "duplicate"
    assert second.get_json()["id"] == first.get_json()["id"]
    assert Message.query.count() == 1
    assert Conversation.query.count() == 1
    assert Conversation.query.one().message_count == 1


def test_batch_groups_threads_and_reports_each(client, factory):
    channel = factory.channel()
    items = [
        factory.payload(external_id="a", thread_external_id="t-1"),
        factory.payload(external_id="b", thread_external_id="t-1", parent_external_id="a"),
        factory.payload(external_id="c", kind="private"),
    ]
    response = post_signed(client, channel, items)
    assert response.status_code == 201
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["created"] * 3
    assert results[0]["conversation_id"] == results[1]["conversation_id"] != results[2]["conversation_id"]
    assert Conversation.query.filter_by(external_id="t-1").one().message_count == 2


def test_private_messages_from_one_author_share_a_conversation(client, factory):
    channel = factory.channel()
    author = {"external_id": "u-9", "name": "Léa"}
    post_signed(client, channel, factory.payload(external_id="p1", kind="private", author=author))
    post_signed(client, channel, factory.payload(external_id="p2", kind="private", author=author))
    assert Conversation.query.count() == 1
    assert Author.query.count() == 1


def test_bad_signature_is_401_and_stores_nothing(client, factory):
    channel = factory.channel()
    response = post_signed(client, channel, factory.payload(), secret="wrong")
    assert response.status_code == 401
    assert "X-Parvis-Signature" in response.get_json()["error"]
    missing = client.post(f"/api/v1/channels/{channel.id}/messages", data=b"{}",
                          headers={"Content-Type": "application/json"})
    assert missing.status_code == 401
    assert Message.query.count() == 0


def test_unknown_channel_is_404(client, factory):
    channel = factory.channel()
    response = client.post("/api/v1/channels/9999/messages", data=b"{}",
                           headers={"Content-Type": "application/json", "X-Parvis-Signature": "sha256=00"})
    assert response.status_code == 404
    assert channel.id != 9999


def test_malformed_body_names_each_bad_field(client, factory):
    channel = factory.channel()
    payload = factory.payload(kind="tweet", created_at="yesterday")
    del payload["text"]
    payload["author"] = {"name": "no id"}
    response = post_signed(client, channel, payload)
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert set(errors) >= {"kind", "created_at", "text", "author"}
    assert "external_id" in errors["author"]
    assert Message.query.count() == 0


def test_one_bad_item_rejects_the_whole_batch(client, factory):
    channel = factory.channel()
    good = factory.payload(external_id="good")
    bad = factory.payload()
    bad["external_id"] = ""
    response = post_signed(client, channel, [good, bad])
    assert response.status_code == 400
    assert list(response.get_json()["errors"]) == ["1"]
    assert Message.query.count() == 0


def test_batch_limit_and_body_size(client, factory, app):
    channel = factory.channel()
    too_many = [factory.payload(external_id=f"m{i}") for i in range(501)]
    response = post_signed(client, channel, too_many)
    assert response.status_code == 400
    assert "500" in response.get_json()["errors"]["_body"][0]
    huge = json.dumps(factory.payload(text="x" * (1024 * 1024))).encode()
    response = post_signed(client, channel, huge)
    assert response.status_code == 413
    assert Message.query.count() == 0


def test_broken_json_utf8_duplicate_keys_and_content_type(client, factory):
    channel = factory.channel()
    assert post_signed(client, channel, b"{not json").status_code == 400
    assert post_signed(client, channel, b'{"text": "\xff\xfe"}').status_code == 400
    dup = b'{"external_id": "a", "external_id": "b"}'
    response = post_signed(client, channel, dup)
    assert response.status_code == 400 and "duplicate" in response.get_json()["errors"]["_body"][0]
    nested = b"[" * 100000 + b"]" * 100000
    assert post_signed(client, channel, nested).status_code == 400
    body = json.dumps(factory.payload()).encode()
    response = post_signed(client, channel, body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert Message.query.count() == 0


def test_dates_far_in_the_future_or_past_are_refused(client, factory):
    channel = factory.channel()
    for value in ("2999-01-01T00:00:00Z", "1970-01-01T00:00:00Z"):
        response = post_signed(client, channel, factory.payload(created_at=value))
        assert response.status_code == 400
        assert "created_at" in response.get_json()["errors"]


def test_ingest_survives_redis_outage(client, factory, app, monkeypatch):
    """The message is committed first; without Redis the API still answers 201."""
    channel = factory.channel()
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions["parvis_redis"] = None
    response = post_signed(client, channel, factory.payload(external_id="during-outage"))
    assert response.status_code == 201
    assert Message.query.filter_by(external_id="during-outage").one().classify_status == "pending"


def test_inbound_message_reopens_a_resolved_conversation(client, factory):
    from inbox.services.conversations import set_status

    channel = factory.channel()
    user = factory.user()
    post_signed(client, channel, factory.payload(external_id="x1", thread_external_id="t"))
    conversation = Conversation.query.one()
    set_status(conversation, "resolved", user)
    assert conversation.status == "resolved"
    post_signed(client, channel, factory.payload(external_id="x2", thread_external_id="t",
                                                 created_at="2026-11-21T10:00:00Z"))
    db.session.refresh(conversation)
    assert conversation.status == "open"
    assert conversation.resolved_at is None


def test_conversation_shows_the_latest_message_excerpt(client, factory):
    channel = factory.channel()
    post_signed(client, channel, factory.payload(external_id="e1", thread_external_id="t", text="premier",
                                                 created_at="2026-11-20T10:00:00Z"))
    conversation = Conversation.query.one()
    assert conversation.last_excerpt == "premier"
    post_signed(client, channel, factory.payload(external_id="e2", thread_external_id="t", text="second",
                                                 created_at="2026-11-21T10:00:00Z"))
    post_signed(client, channel, factory.payload(external_id="e0", thread_external_id="t", text="late delivery",
                                                 created_at="2026-11-19T10:00:00Z"))
    db.session.refresh(conversation)
    assert conversation.last_excerpt == "second" and conversation.message_count == 3


def test_sqlite_lock_backoff_doubles_with_jitter_and_stays_bounded():
    from inbox.services import ingest

    waits = [ingest._sqlite_lock_backoff(attempt) for attempt in range(ingest.SQLITE_LOCK_RETRIES)]
    for attempt, wait in enumerate(waits):
        ceiling = min(0.02 * 2**attempt, ingest.SQLITE_LOCK_MAX_WAIT)
        assert ceiling / 2 <= wait <= ceiling
    assert sum(min(0.02 * 2**a, ingest.SQLITE_LOCK_MAX_WAIT) for a in range(ingest.SQLITE_LOCK_RETRIES)) < 5


def test_a_locked_sqlite_write_is_retried_until_it_goes_through(app, factory, monkeypatch):
    """SQLite refuses at once the write of a transaction that read before another writer committed;
    the ingestion runs again (idempotent) instead of answering 503. Other errors are not retried."""
    from sqlalchemy.exc import OperationalError

    from inbox.models import Message
    from inbox.services import ingest
    from inbox.services.validation import INBOUND_MESSAGE

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        monkeypatch.setattr(ingest, "_is_sqlite_lock", lambda exc: "database is locked" in str(exc.orig))
    monkeypatch.setattr(ingest, "_sqlite_lock_backoff", lambda attempt: 0)
    channel = factory.channel()
    raws = [factory.payload(external_id=f"lock-{i}") for i in range(2)]
    real, calls = ingest._store_many, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) <= 9:
            raise OperationalError("INSERT INTO author ...", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "_store_many", flaky)
    results = ingest.ingest_messages(channel, [INBOUND_MESSAGE.load(raw) for raw in raws], raws)
    assert len(calls) == 10 and all(r.created for r in results)
    assert Message.query.filter(Message.external_id.in_(["lock-0", "lock-1"])).count() == 2

    calls.clear()

    def broken(*args, **kwargs):
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(ingest, "_store_many", broken)
    with pytest.raises(OperationalError, match="disk I/O error"):
        ingest.ingest_messages(channel, [INBOUND_MESSAGE.load(raw) for raw in raws], raws)
    assert len(calls) == 1
