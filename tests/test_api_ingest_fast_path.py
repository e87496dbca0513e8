"""The single-message ingestion path (issue #8): the same rows as the ORM path, fewer statements,
idempotent, nothing half-written on bad input, one waiting wake-up however many messages arrive."""
import json
from types import SimpleNamespace

import pytest
from sqlalchemy import event, literal, select

from inbox.extensions import db
from inbox.models import Author, Conversation, ConversationCycle, Message
from inbox.services import ingest
from inbox.services.queue import CLASSIFY_WAKEUP_KEY, QUEUE_CLASSIFY
from inbox.services.validation import validate_messages

from tests import helpers

SKIP = {"id", "channel_id", "conversation_id", "author_id", "created_at", "received_at", "external_id"}


def post_signed(client, channel, payload, **kwargs):
    """helpers.post_signed() with the session as a production request finds it: no transaction
    in progress (the requests of these tests share the test's app context, hence its session),
    so that PostgreSQL takes the single-message path's autocommit connection."""
    secret = kwargs.pop("secret", None) or channel.signing_secret
    channel = SimpleNamespace(id=channel.id, signing_secret=secret)
    db.session.commit()
    return helpers.post_signed(client, channel, payload, **kwargs)


def _row(obj, skip=SKIP) -> dict:
    return {c.name: getattr(obj, c.name) for c in obj.__table__.columns if c.name not in skip}


def _orm_store(channel, payload):
    """What the ORM path (_store_one, used for batches and existing conversations) writes."""
    items, errors = validate_messages(payload, 500)
    assert not errors
    result = ingest._store_one(channel, items[0], payload)
    db.session.commit()
    return result.as_dict()


@pytest.mark.parametrize("extra", [
    {},
    {"kind": "private"},
    {"parent_external_id": "p-1", "permalink": "https://example.org/p/1",
     "post": {"external_id": "post-9", "text": "Travaux", "url": "https://example.org/post/9"}},
])
def test_new_conversation_rows_are_those_of_the_orm_path(client, factory, extra):
    fast_channel, orm_channel = factory.channel(), factory.channel(name="ORM")
    payload = factory.payload(external_id="m-1", **extra)
    answer = post_signed(client, fast_channel, payload).get_json()
    assert answer["status"] == "created"
    expected = _orm_store(orm_channel, payload)
    fast, orm = db.session.get(Message, answer["id"]), db.session.get(Message, expected["id"])
    assert _row(fast) == _row(orm)
    assert _row(fast.conversation, SKIP - {"external_id"}) == _row(orm.conversation, SKIP - {"external_id"})
    assert _row(fast.author) == _row(orm.author)
    fast_cycle = ConversationCycle.query.filter_by(conversation_id=fast.conversation_id).one()
    orm_cycle = ConversationCycle.query.filter_by(conversation_id=orm.conversation_id).one()
    assert _row(fast_cycle) == _row(orm_cycle)
    assert fast_cycle.sla_due_at is not None  # an unclassified message counts as "normal"


@pytest.mark.parametrize("thread", [False, True])
def test_known_author_is_updated_but_not_once_anonymised(client, factory, thread):
    """A known author's new name is written with the message, in a new conversation or in an
    existing one (PostgreSQL: inside the one write statement)."""
    channel = factory.channel()
    first = factory.payload(external_id="a-1")
    in_thread = {"thread_external_id": "a-1"} if thread else {}
    post_signed(client, channel, first)
    renamed = factory.payload(external_id="a-2", author={**first["author"], "name": "Nouveau nom"}, **in_thread)
    assert post_signed(client, channel, renamed).status_code == 201
    author = Author.query.one()
    assert author.name == "Nouveau nom" and author.handle == first["author"]["handle"]
    assert Conversation.query.count() == (1 if thread else 2)
    author.name, author.handle, author.anonymised_at = None, None, ingest.utcnow()
    db.session.commit()
    post_signed(client, channel, factory.payload(external_id="a-3", author=first["author"], **in_thread))
    db.session.refresh(author)
    assert author.name is None and author.handle is None
    assert {m.author_id for m in Message.query} == {author.id} and Message.query.count() == 3


def test_checks_keep_their_order_and_write_nothing_before_the_signature(client, factory, app):
    """A valid message is looked up with its channel before the signature is checked: an unknown
    or disabled channel is still a 404 whatever the signature, a bad signature a 401 whatever the
    body, and nothing is written for either; no connection is left checked out."""
    from inbox.blueprints.api import sign

    channel = factory.channel()
    payload = factory.payload(external_id="o-1")
    body = json.dumps(payload).encode()
    opened = []  # every engine connection opened by the requests, kept to see that each was closed
    record = opened.append
    event.listen(db.engine, "engine_connect", record)
    unknown = SimpleNamespace(id=channel.id + 100, signing_secret=channel.signing_secret)
    assert post_signed(client, unknown, payload).status_code == 404
    assert post_signed(client, channel, payload, secret="wrong").status_code == 401
    assert post_signed(client, channel, b"{not json", secret="wrong").status_code == 401
    wrong_type = client.post(f"/api/v1/channels/{channel.id}/messages", data=body, headers={
        "Content-Type": "text/plain", "X-Parvis-Signature": sign(channel.signing_secret, body)})
    assert wrong_type.status_code == 415
    assert Message.query.count() == 0 and Author.query.count() == 0 and Conversation.query.count() == 0
    channel.enabled = False
    db.session.commit()
    assert post_signed(client, channel, payload).status_code == 404
    assert post_signed(client, channel, payload, secret="wrong").status_code == 404
    channel.enabled = True
    db.session.commit()
    assert post_signed(client, channel, payload).status_code == 201
    assert post_signed(client, channel, factory.payload(external_id="o-2", thread_external_id="o-1")).status_code == 201
    event.remove(db.engine, "engine_connect", record)
    assert Message.query.count() == 2
    assert opened and all(connection.closed for connection in opened)
    autocommit = [c for c in opened if c.get_execution_options().get("isolation_level") == "AUTOCOMMIT"]
    assert len(autocommit) == (6 if db.engine.dialect.name == "postgresql" else 0)


def test_a_caller_transaction_is_committed_with_the_message(app, factory):
    """ingest_messages() called with the session's transaction in progress (a connector that
    changed something first) writes in that transaction and commits it, as before."""
    channel = factory.channel()
    for external_id, extra in (("tx-1", {}), ("tx-2", {"thread_external_id": "tx-1"})):
        channel.name = f"Renamed before {external_id}"  # not committed yet
        payload = factory.payload(external_id=external_id, **extra)
        items, _ = validate_messages(payload, 10)
        assert ingest.ingest_messages(channel, items, [payload])[0].created
        db.session.rollback()  # nothing left to roll back: committed with the message
        assert db.session.get(type(channel), channel.id).name == f"Renamed before {external_id}"
    assert Message.query.count() == 2 and Conversation.query.one().message_count == 2


def test_duplicate_is_answered_from_the_first_delivery_in_a_new_or_existing_thread(client, factory):
    channel = factory.channel()
    for payload in (factory.payload(external_id="d-1"), factory.payload(external_id="d-2", thread_external_id="d-1")):
        first = post_signed(client, channel, payload).get_json()
        again = post_signed(client, channel, payload)
        assert again.status_code == 200
        assert again.get_json() == {**first, "status": "duplicate"}
    assert Message.query.count() == 2 and Conversation.query.count() == 1
    assert Conversation.query.one().message_count == 2
    assert ConversationCycle.query.count() == 1


@pytest.mark.parametrize("thread", [False, True])
def test_a_lost_race_is_retried_on_the_orm_path(client, factory, monkeypatch, thread):
    """Another process stored the same message between our lookup and our insert: the unique
    constraint fires, the transaction is rolled back, the retry answers "duplicate"."""
    channel = factory.channel()
    if thread:
        post_signed(client, channel, factory.payload(external_id="start"))
    payload = factory.payload(external_id="race-1", **({"thread_external_id": "start"} if thread else {}))
    first = post_signed(client, channel, payload).get_json()
    calls = []

    def blind_lookup(channel_id, item, raw, found=None):  # the lookup ran before the other process committed
        calls.append(item["external_id"])
        assert found is not None  # read with the channel, before the signature check
        found = SimpleNamespace(**found._asdict())
        found.message_id = found.message_conversation_id = None
        return original(channel_id, item, raw, found)

    original = ingest._store_with_core
    monkeypatch.setattr(ingest, "_store_with_core", blind_lookup)
    counts = Message.query.count(), Conversation.query.count(), Author.query.count()
    again = post_signed(client, channel, payload)
    assert calls == ["race-1"]
    assert again.status_code == 200 and again.get_json() == {**first, "status": "duplicate"}
    assert (Message.query.count(), Conversation.query.count(), Author.query.count()) == counts
    assert Conversation.query.filter_by(external_id="start" if thread else "race-1").one().message_count == \
        (2 if thread else 1)


def test_new_conversation_takes_few_statements(client, factory, app):
    channel = factory.channel()
    post_signed(client, channel, factory.payload(external_id="warm"))
    channel = SimpleNamespace(id=channel.id, signing_secret=channel.signing_secret)  # no reload counted
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert post_signed(client, channel, factory.payload(external_id="counted")).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "WITH", "DELETE"))]
    # one lookup (the channel, the SLA settings, ...), then the inserts: one statement on
    # PostgreSQL, one per table on SQLite.
    assert len(writes) == (1 if db.engine.dialect.name == "postgresql" else 4), writes
    assert len(statements) - len(writes) == 1, statements


@pytest.mark.parametrize("body, status", [
    ({"external_id": "bad-1", "kind": "comment", "text": "x", "created_at": "2026-11-20T10:00:00Z"}, 400),
    ({"external_id": "bad-2", "kind": "nope", "text": "x", "created_at": "2026-11-20T10:00:00Z",
      "author": {"external_id": "z"}}, 400),
])
def test_bad_input_is_a_clear_400_and_writes_nothing(client, factory, redis_client, body, status):
    channel = factory.channel()
    response = post_signed(client, channel, body)
    assert response.status_code == status
    assert response.get_json()["error"] and response.get_json()["errors"]
    assert Message.query.count() == 0 and Conversation.query.count() == 0 and Author.query.count() == 0
    assert ConversationCycle.query.count() == 0
    assert not redis_client.exists(CLASSIFY_WAKEUP_KEY)


def test_disabled_channel_and_rotated_secret_take_effect_at_once(client, factory):
    channel = factory.channel()
    old_secret = channel.signing_secret
    assert post_signed(client, channel, factory.payload(external_id="r-1")).status_code == 201
    channel.secrets = {"signing_secret": "rotated-secret"}
    db.session.commit()
    assert post_signed(client, channel, factory.payload(external_id="r-2"), secret=old_secret).status_code == 401
    assert post_signed(client, channel, factory.payload(external_id="r-3"), secret="rotated-secret").status_code == 201
    channel.enabled = False
    db.session.commit()
    assert post_signed(client, channel, factory.payload(external_id="r-4"), secret="rotated-secret").status_code == 404
    assert sorted(m.external_id for m in Message.query) == ["r-1", "r-3"]


def test_many_posts_leave_one_waiting_wakeup_and_announce_each(client, factory, redis_client, app):
    channel = factory.channel()
    from inbox.services.events import events_channel

    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(events_channel(redis_client))
    ids = [post_signed(client, channel, factory.payload(external_id=f"w-{i}")).get_json()["id"] for i in range(5)]
    assert redis_client.llen(f"rq:queue:{QUEUE_CLASSIFY}") == 1
    assert redis_client.exists(CLASSIFY_WAKEUP_KEY)
    seen = []
    for _ in range(50):
        message = pubsub.get_message(timeout=0.2)
        if message:
            seen.append(json.loads(message["data"]))
        if len(seen) == 5:
            break
    pubsub.close()
    assert [e["message_id"] for e in seen] == ids and {e["kind"] for e in seen} == {"message.created"}
    counted = redis_client.hget("parvis:metrics:messages_ingested", "")
    assert int(counted) == 5


def test_new_conversation_deadline_follows_the_saved_sla_targets(client, factory):
    from datetime import datetime, timedelta, timezone

    from inbox.services import settings

    settings.save_sla_targets({**settings.DEFAULT_SLA_TARGETS, "normal": {"minutes": 45, "clock": "wall"}})
    db.session.commit()
    channel = factory.channel()
    post_signed(client, channel, factory.payload(external_id="s-1", created_at="2026-11-20T10:00:00Z"))
    cycle = ConversationCycle.query.one()
    assert cycle.sla_due_at == datetime(2026, 11, 20, 10, 45, tzinfo=timezone.utc)
    settings.save_sla_targets({**settings.DEFAULT_SLA_TARGETS, "normal": None})
    db.session.commit()
    post_signed(client, channel, factory.payload(external_id="s-2"))
    assert ConversationCycle.query.filter(ConversationCycle.id != cycle.id).one().sla_due_at is None
    assert cycle.sla_due_at - cycle.first_inbound_at == timedelta(minutes=45)


def test_the_result_of_the_fast_path_still_gives_the_stored_message(app, factory):
    channel = factory.channel()
    payload = factory.payload(external_id="orm-1", text="Une question")
    items, _ = validate_messages(payload, 10)
    result = ingest.ingest_messages(channel, items, [payload])[0]
    assert result.created and isinstance(result.message, Message)
    assert result.message.body == "Une question" and result.message.id == result.as_dict()["id"]


def _answer(conversation, at):
    cycle = ConversationCycle.query.filter_by(conversation_id=conversation.id).order_by(ConversationCycle.seq.desc()).first()
    cycle.first_response_at = conversation.first_response_at = at
    conversation.waiting_since = None


def _resolve(conversation, at):
    _answer(conversation, at)
    cycle = ConversationCycle.query.filter_by(conversation_id=conversation.id).order_by(ConversationCycle.seq.desc()).first()
    cycle.resolved_at = conversation.resolved_at = at
    conversation.status = "resolved"


def _snooze(conversation, at):
    conversation.status, conversation.snoozed_until = "snoozed", at + ingest.sla.timedelta(days=2)


def _classify_critical(conversation, at):
    from inbox.services import sla

    message = Message.query.filter_by(conversation_id=conversation.id).one()
    message.classify_status, message.urgency = "done", "critical"
    cycle = ConversationCycle.query.filter_by(conversation_id=conversation.id).one()
    sla.refresh_cycle(cycle)  # as the worker does after classifying


@pytest.mark.parametrize("state", [None, _answer, _resolve, _snooze, _classify_critical])
@pytest.mark.parametrize("second", [
    {"created_at": "2026-11-20T11:00:00+00:00"},
    {"created_at": "2026-11-20T09:00:00+00:00"},  # delivered late: older than the first message
    {"created_at": "2026-11-20T10:00:00+00:00", "author": {"external_id": "someone-else", "name": "Autre"}},
])
def test_existing_conversation_rows_are_those_of_the_orm_path(client, factory, state, second):
    """A message that continues a conversation: the Core path writes what the ORM path
    (_store_one + note_inbound + cycles.on_inbound + sla.refresh_cycle) writes, column by column."""
    from datetime import datetime, timezone

    fast_channel, orm_channel = factory.channel(), factory.channel(name="ORM")
    first = factory.payload(external_id="t-1", author={"external_id": "citizen", "name": "Citoyen"})
    for channel in (fast_channel, orm_channel):
        assert post_signed(client, channel, first).status_code == 201
        if state is not None:
            conversation = Conversation.query.filter_by(channel_id=channel.id).one()
            state(conversation, datetime(2026, 11, 20, 10, 30, tzinfo=timezone.utc))
    db.session.commit()
    payload = factory.payload(external_id="t-2", thread_external_id="t-1", text="Et la piscine, elle ouvre ?",
                              **{"author": {"external_id": "citizen", "name": "Citoyen"}, **second})
    answer = post_signed(client, fast_channel, payload).get_json()
    assert answer["status"] == "created"
    expected = _orm_store(orm_channel, payload)
    db.session.expire_all()
    fast, orm = db.session.get(Message, answer["id"]), db.session.get(Message, expected["id"])
    assert fast.conversation_id == Conversation.query.filter_by(channel_id=fast_channel.id).one().id
    assert _row(fast) == _row(orm)
    assert _row(fast.conversation, SKIP - {"external_id"}) == _row(orm.conversation, SKIP - {"external_id"})
    assert fast.conversation.message_count == 2
    assert _row(fast.author) == _row(orm.author)
    cycles = [[_row(c) for c in ConversationCycle.query.filter_by(conversation_id=m.conversation_id)
               .order_by(ConversationCycle.seq)] for m in (fast, orm)]
    assert cycles[0] == cycles[1]
    assert len(cycles[0]) == (2 if state is _resolve else 1)


def test_existing_conversation_takes_few_statements(client, factory):
    channel = factory.channel()
    post_signed(client, channel, factory.payload(external_id="s-1"))
    channel = SimpleNamespace(id=channel.id, signing_secret=channel.signing_secret)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert post_signed(client, channel, factory.payload(external_id="s-2", thread_external_id="s-1")).status_code == 201
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    # PostgreSQL: the lookup (with the channel, the conversation's state and its waiting
    # messages), then one write statement. SQLite: the lookup, the message, the waiting
    # messages, the cycle, the conversation.
    assert len(statements) == (2 if db.engine.dialect.name == "postgresql" else 5), statements
    assert Message.query.count() == 2 and Conversation.query.one().message_count == 2


def test_api_post_sets_no_cookie_and_a_signed_in_session_still_loads(client, factory):
    """The session is opened without building the cookie signer when there is no cookie; an
    existing session cookie is still read."""
    from tests.helpers import login

    channel = factory.channel()
    response = post_signed(client, channel, factory.payload(external_id="k-1"))
    assert response.status_code == 201 and "Set-Cookie" not in response.headers
    user = factory.user()
    assert login(client, user).status_code == 302
    assert client.get("/").status_code == 200  # signed in through the session cookie


def test_the_lookup_has_no_limit_parameter(app):
    """LIMIT written as a constant: as a parameter, PostgreSQL planned the prepared lookup again
    at every execution (its generic plan looked costlier than a custom one)."""
    from sqlalchemy.dialects import postgresql

    sql = str(ingest._lookup_statement(postgresql=True).compile(dialect=postgresql.dialect()))
    assert "LIMIT 1" in sql and "LIMIT %(" not in sql
