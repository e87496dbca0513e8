"""PostgreSQL keeps each settled message's search vector in a column (migration i12_search_vector):
none while the classification is pending or processing, computed when it settles, recomputed when
the body changes; the migration fills it for the messages already stored."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from inbox.extensions import db
from inbox.models import Conversation, Message
from inbox.services import search
from tests.helpers import login, post_signed

pytestmark = pytest.mark.postgresql_only


def _vector(message_id: int) -> str | None:
    return db.session.execute(text("SELECT search_vector::text FROM message WHERE id = :id"),
                              {"id": message_id}).scalar()


def _post(client, factory, channel, body: str) -> Message:
    conversation_id = post_signed(client, channel, factory.payload(text=body)).get_json()["conversation_id"]
    return db.session.get(Conversation, conversation_id).messages.first()


def _found(client, q: str) -> str:
    return client.get("/", query_string={"q": q, "status": "all"}).get_data(as_text=True)


def test_the_vector_follows_the_message(client, factory):
    channel = factory.channel()
    message = _post(client, factory, channel, "Les lampadaires sont éteints rue Victor Hugo")
    assert message.classify_status == "pending"
    assert _vector(message.id) is None  # storing a post runs no stemmer
    login(client, factory.user())
    assert f'data-conversation-id="{message.conversation_id}"' in _found(client, "lampadaire")  # found in place

    for status in ("processing", "done"):
        message.classify_status = status
        db.session.commit()
    assert "'lampadair'" in _vector(message.id) and "'eteint'" in _vector(message.id)
    assert search.conversation_condition("lampadaire") is not None
    assert f'data-conversation-id="{message.conversation_id}"' in _found(client, "lampadaire")

    message.body = "Le trottoir est défoncé"  # an edit
    db.session.commit()
    assert "'trottoir'" in _vector(message.id) and "lampadair" not in _vector(message.id)
    assert f'data-conversation-id="{message.conversation_id}"' not in _found(client, "lampadaire")
    assert f'data-conversation-id="{message.conversation_id}"' in _found(client, "trottoir")

    message.classify_status = "pending"  # reclassified: matched in place again until it settles
    db.session.commit()
    assert _vector(message.id) is None
    assert f'data-conversation-id="{message.conversation_id}"' in _found(client, "trottoir")

    message.classify_status, message.body = "failed", ""  # an erased body (services/personal_data.py)
    db.session.commit()
    assert _vector(message.id) == ""
    assert f'data-conversation-id="{message.conversation_id}"' not in _found(client, "trottoir")


def test_a_reply_is_searchable_from_the_moment_it_is_stored(client, factory):
    channel = factory.channel()
    incoming = _post(client, factory, channel, "Bonjour")
    reply = Message(conversation_id=incoming.conversation_id, channel_id=channel.id, direction="out",
                    body="Les encombrants passent jeudi", delivery_status="queued")
    db.session.add(reply)
    db.session.commit()
    assert reply.classify_status is None and "'encombr'" in _vector(reply.id)


def test_the_migration_fills_the_vectors_of_stored_messages(app, client, factory):
    channel = factory.channel()
    settled = _post(client, factory, channel, "Inondation dans la cave de l'école")
    pending = _post(client, factory, channel, "Inondation du parking")
    settled.classify_status = "done"
    db.session.commit()
    ids = {"settled": (settled.id, settled.conversation_id), "pending": (pending.id, pending.conversation_id)}
    db.session.remove()
    try:
        downgrade(revision="i11_search_settled")
        columns = db.session.execute(text("SELECT column_name FROM information_schema.columns"
                                          " WHERE table_name = 'message' AND column_name = 'search_vector'")).all()
        assert columns == []
        db.session.remove()
    finally:
        upgrade()
    assert "'inond'" in _vector(ids["settled"][0]) and _vector(ids["pending"][0]) is None
    login(client, factory.user())
    page = _found(client, "inondation")
    assert f'data-conversation-id="{ids["settled"][1]}"' in page
    assert f'data-conversation-id="{ids["pending"][1]}"' in page
    indexes = db.session.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_message_search'")).scalar()
    assert "search_vector" in indexes and "to_tsvector" not in indexes
