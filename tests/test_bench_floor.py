"""The ingestion benchmark's durable floor (bench/durable_floor.py) does the same writes as
Parvis's single-message path, so that `Parvis / floor` compares like with like."""
import importlib
import json

import pytest

from inbox.blueprints.api import sign
from inbox.extensions import db
from inbox.models import Conversation, ConversationCycle, Message

from tests.test_api_ingest_fast_path import SKIP, _row, post_signed

pytestmark = pytest.mark.postgresql_only

# The floor sets a fixed 24-hour deadline; Parvis computes it from the business calendar.
CYCLE_SKIP = SKIP | {"sla_due_at", "sla_warn_at"}


@pytest.fixture
def floor(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    monkeypatch.setenv("PARVIS_FLOOR_SECRET", "floor-secret")
    import bench.durable_floor

    module = importlib.reload(bench.durable_floor)
    yield module.app.test_client()
    for connection in [getattr(module._local, "connection", None), *module._grouped_connection]:
        if connection is not None:
            connection.close()


@pytest.fixture
def grouped(floor):
    import bench.durable_floor

    return bench.durable_floor.grouped.test_client()


def _post_floor(floor, channel, payload, secret="floor-secret"):
    body = json.dumps(payload).encode()
    return floor.post(f"/api/v1/channels/{channel.id}/messages", data=body, headers={
        "Content-Type": "application/json", "X-Parvis-Signature": sign(secret, body)})


def test_floor_writes_the_rows_of_the_fast_path(client, factory, floor):
    parvis_channel, floor_channel = factory.channel(), factory.channel(name="Floor")
    payload = factory.payload(external_id="m-1")
    db.session.commit()
    expected = post_signed(client, parvis_channel, payload).get_json()
    answer = _post_floor(floor, floor_channel, payload)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    answer = answer.get_json()
    db.session.expire_all()
    got, want = db.session.get(Message, answer["id"]), db.session.get(Message, expected["id"])
    assert got.conversation_id == answer["conversation_id"]
    assert _row(got) == _row(want)
    assert _row(got.author) == _row(want.author)
    assert _row(got.conversation, SKIP - {"external_id"}) == _row(want.conversation, SKIP - {"external_id"})
    got_cycle = ConversationCycle.query.filter_by(conversation_id=got.conversation_id).one()
    want_cycle = ConversationCycle.query.filter_by(conversation_id=want.conversation_id).one()
    assert _row(got_cycle, CYCLE_SKIP) == _row(want_cycle, CYCLE_SKIP)
    assert got_cycle.sla_due_at is not None


def test_floor_refuses_a_bad_signature_and_writes_nothing(factory, floor):
    channel = factory.channel()
    db.session.commit()
    answer = _post_floor(floor, channel, factory.payload(external_id="m-2"), secret="wrong")
    assert answer.status_code == 401
    assert Message.query.count() == 0 and Conversation.query.count() == 0


def test_floor_answers_a_duplicate_without_writing_it_again(factory, floor):
    channel = factory.channel()
    db.session.commit()
    payload = factory.payload(external_id="m-3")
    first = _post_floor(floor, channel, payload)
    again = _post_floor(floor, channel, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert Message.query.count() == 1


def test_grouped_floor_stores_and_answers_like_the_floor(factory, grouped):
    """The group-commit variant: the same answer and rows, through its leader's pipeline."""
    channel = factory.channel()
    db.session.commit()
    answer = _post_floor(grouped, channel, factory.payload(external_id="m-4"))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    stored = db.session.get(Message, answer.get_json()["id"])
    assert stored.external_id == "m-4" and stored.conversation_id == answer.get_json()["conversation_id"]
    assert stored.classify_status == "pending"
    refused = _post_floor(grouped, channel, factory.payload(external_id="m-5"), secret="wrong")
    assert refused.status_code == 401 and Message.query.count() == 1
