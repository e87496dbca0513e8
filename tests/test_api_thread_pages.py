"""GET /api/v1/conversations/<id> gives the thread in pages, newest page first, each oldest first;
`earlier_before` walks back to the first message (inbox/services/listing.py, thread_page)."""
from datetime import timedelta

from sqlalchemy import event

from inbox.extensions import db
from inbox.models import Author, Conversation, Message
from inbox.models.base import utcnow
from inbox.services import validation
from inbox.services.listing import decode_message_cursor, encode_message_cursor


def _auth(raw):
    return {"Authorization": f"Bearer {raw}"}


def _thread(factory, n: int, same_minute: int = 1) -> Conversation:
    """n inbound messages, `same_minute` of them sharing each timestamp (ties broken by id)."""
    channel = factory.channel()
    author = Author(channel_id=channel.id, external_id="author-long", name="Citoyen")
    conversation = Conversation(channel_id=channel.id, external_id="long", author=author, status="open",
                                message_count=n)
    start = utcnow() - timedelta(days=1)
    db.session.add_all(Message(conversation=conversation, channel_id=channel.id, external_id=f"m-{i}", author=author,
                               body=f"message {i}", classify_status="done", urgency="normal",
                               created_at=start + timedelta(minutes=i // same_minute)) for i in range(n))
    db.session.commit()
    return conversation


def _texts(body) -> list[str]:
    return [m["text"] for m in body["messages"]]


def _walk(client, raw, conversation_id: int, limit: int) -> tuple[list[list[str]], list[dict]]:
    pages, bodies, path = [], [], f"/api/v1/conversations/{conversation_id}?limit={limit}"
    while True:
        response = client.get(path, headers=_auth(raw))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        pages.append(_texts(body))
        bodies.append(body)
        if body["earlier_before"] is None:
            return pages, bodies
        path = f"/api/v1/conversations/{conversation_id}?limit={limit}&before={body['earlier_before']}"


def test_the_latest_page_then_earlier_pages_cover_the_thread_once(client, factory):
    conversation = _thread(factory, 23)
    raw = factory.token(factory.user())
    pages, bodies = _walk(client, raw, conversation.id, 10)
    assert pages == [[f"message {i}" for i in range(13, 23)], [f"message {i}" for i in range(3, 13)],
                     [f"message {i}" for i in range(3)]]
    # Every page carries the conversation itself, unchanged.
    assert {b["id"] for b in bodies} == {conversation.id} and {b["message_count"] for b in bodies} == {23}
    assert bodies[0]["author"] == "Citoyen"


def test_messages_sharing_a_timestamp_are_neither_lost_nor_repeated(client, factory):
    conversation = _thread(factory, 17, same_minute=4)  # four messages per minute: a page ends inside a minute
    raw = factory.token(factory.user())
    pages, _ = _walk(client, raw, conversation.id, 3)
    walked = [text for page in reversed(pages) for text in page]
    assert walked == [f"message {i}" for i in range(17)]
    assert all(len(page) == 3 for page in pages[:-1]) and len(pages[-1]) == 17 % 3


def test_the_default_page_is_bounded_and_a_short_thread_fits_in_it(client, factory, monkeypatch):
    raw = factory.token(factory.user())
    short = _thread(factory, 4)
    body = client.get(f"/api/v1/conversations/{short.id}", headers=_auth(raw)).get_json()
    assert _texts(body) == [f"message {i}" for i in range(4)] and body["earlier_before"] is None
    grown = db.session.get(Conversation, short.id)
    db.session.add_all(Message(conversation=grown, channel_id=grown.channel_id, external_id=f"more-{i}",
                               body=f"more {i}", created_at=utcnow()) for i in range(validation.THREAD_LIMIT_DEFAULT))
    db.session.commit()
    body = client.get(f"/api/v1/conversations/{short.id}", headers=_auth(raw)).get_json()
    assert len(body["messages"]) == validation.THREAD_LIMIT_DEFAULT
    assert body["messages"][0]["text"] == "more 0" and body["earlier_before"] is not None


def test_bad_limits_and_cursors_are_named_and_change_nothing(client, factory):
    conversation = _thread(factory, 5)
    raw = factory.token(factory.user())
    base = f"/api/v1/conversations/{conversation.id}"
    for query, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=ten", "limit"),
                         ("before=nope", "before"), ("before=1_2_3", "before"), ("before=12_0", "before"),
                         ("before=99999999999999999999999_1", "before"), ("before=5_99999999999", "before")):
        response = client.get(f"{base}?{query}", headers=_auth(raw))
        assert response.status_code == 400, query
        assert field in response.get_json()["errors"], query
    assert Message.query.filter_by(conversation_id=conversation.id).count() == 5
    assert client.get(f"{base}?limit=500", headers=_auth(raw)).status_code == 200
    assert client.get("/api/v1/conversations/99999?limit=0", headers=_auth(raw)).status_code == 404


def test_a_cursor_from_another_thread_only_bounds_the_dates(client, factory):
    """A cursor is a position (date, id), not a message reference: used on another thread it gives
    that thread's messages before the position, never the other thread's."""
    first = _thread(factory, 6)
    raw = factory.token(factory.user())
    other_channel = factory.channel(name="Autre")
    other = Conversation(channel_id=other_channel.id, external_id="other", status="open")
    db.session.add(Message(conversation=other, channel_id=other_channel.id, external_id="o-1", body="ailleurs",
                           created_at=utcnow()))
    db.session.commit()
    cursor = client.get(f"/api/v1/conversations/{first.id}?limit=2", headers=_auth(raw)).get_json()["earlier_before"]
    body = client.get(f"/api/v1/conversations/{other.id}?before={cursor}", headers=_auth(raw)).get_json()
    assert _texts(body) == [] and body["earlier_before"] is None


def test_the_cursor_round_trips(factory):
    conversation = _thread(factory, 2)
    message = Message.query.filter_by(conversation_id=conversation.id).order_by(Message.id).first()
    created_at, ident = decode_message_cursor(encode_message_cursor(message))
    assert ident == message.id and created_at == message.created_at


def test_a_page_costs_the_same_queries_however_long_the_thread(client, factory):
    raw = factory.token(factory.user())
    counts = {}
    for n in (3, 60):
        conversation = _thread(factory, n) if n == 3 else _more(factory, n)
        path = f"/api/v1/conversations/{conversation.id}?limit=50"
        client.get(path, headers=_auth(raw))  # the token's first use records it: not the page's cost
        statements = []

        def count(*_args):
            statements.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(path, headers=_auth(raw)).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        counts[n] = len(statements)
    assert counts[3] == counts[60]


def _more(factory, n: int) -> Conversation:
    channel = factory.channel(name="Longue")
    conversation = Conversation(channel_id=channel.id, external_id="longer", status="open", message_count=n)
    db.session.add_all(Message(conversation=conversation, channel_id=channel.id, external_id=f"l-{i}",
                               author=Author(channel_id=channel.id, external_id=f"a-{i}", name=f"Auteur {i}"),
                               body=f"long {i}", created_at=utcnow() - timedelta(minutes=i)) for i in range(n))
    db.session.commit()
    return conversation
