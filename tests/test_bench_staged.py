"""The staged-ingestion measuring tool (bench/staged_floor.py) stores what it acknowledges, once,
and refuses what the real endpoint refuses: its figures compare an endpoint that does the work."""
import importlib
import json

import pytest
from sqlalchemy import text

from inbox.blueprints.api import sign
from inbox.extensions import db
from tests.helpers import post_signed

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def staged(app, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    monkeypatch.setenv("PARVIS_FLOOR_SECRET", "floor-secret")
    import bench.staged_floor

    module = importlib.reload(bench.staged_floor)
    db.session.execute(text(f"DROP TABLE IF EXISTS {module.TABLE}"))
    db.session.execute(text(module.CREATE))
    db.session.commit()
    yield module
    connection = getattr(module._local, "connection", None)
    if connection is not None:
        connection.close()
    db.session.execute(text(f"DROP TABLE IF EXISTS {module.TABLE}"))
    db.session.commit()


def _post(client, channel, payload, secret="floor-secret"):
    body = json.dumps(payload).encode()
    return client.post(f"/api/v1/channels/{channel.id}/messages", data=body, headers={
        "Content-Type": "application/json", "X-Parvis-Signature": sign(secret, body)})


def _staged_rows(module):
    db.session.rollback()
    return db.session.execute(text(f"SELECT id, external_id, payload FROM {module.TABLE} ORDER BY id")).all()


def test_the_staged_endpoint_stores_each_post_once_and_refuses_bad_ones(client, factory, staged):
    channel = factory.channel(name="Staged")
    db.session.commit()
    endpoint = staged.app.test_client()
    payload = factory.payload(external_id="s-1")
    first = _post(endpoint, channel, payload)
    assert first.status_code == 202 and first.get_json()["status"] == "accepted"
    assert _post(endpoint, channel, payload).status_code == 200  # a duplicate delivery
    assert _post(endpoint, channel, factory.payload(external_id="s-2"), secret="wrong").status_code == 401
    rows = _staged_rows(staged)
    assert [(r.id, r.external_id) for r in rows] == [(first.get_json()["id"], "s-1")]
    assert rows[0].payload["text"] == payload["text"]
    # Already a message (stored by Parvis itself): a duplicate, nothing staged.
    stored = factory.payload(external_id="s-3")
    assert post_signed(client, channel, stored).status_code == 201
    assert _post(endpoint, channel, stored).status_code == 200
    # The channel re-keyed since its ciphertext was read: the write checks it, nothing staged.
    channel.secrets = {"signing_secret": "rotated"}
    db.session.commit()
    assert _post(endpoint, channel, factory.payload(external_id="s-4")).status_code == 200
    assert [r.external_id for r in _staged_rows(staged)] == ["s-1"]


def test_parvis_with_a_staged_store_runs_its_own_checks(factory, staged, monkeypatch):
    import inbox.blueprints.api as api

    # The tool swaps these two functions of the API module: put them back after the test.
    monkeypatch.setattr(api, "ingest_lookup", api.ingest_lookup)
    monkeypatch.setattr(api, "ingest_messages", api.ingest_messages)
    monkeypatch.setenv("PARVIS_STAGED_APP", "parvis")
    channel = factory.channel(name="Staged Parvis")
    db.session.commit()
    module = importlib.reload(staged)
    endpoint = module.parvis.test_client()
    accepted = _post(endpoint, channel, factory.payload(external_id="p-1"), secret=channel.signing_secret)
    assert accepted.status_code == 201 and accepted.get_json()["status"] == "accepted"
    invalid = _post(endpoint, channel, {"external_id": "p-2"}, secret=channel.signing_secret)
    assert invalid.status_code == 400  # Parvis's validation, before anything is staged
    assert _post(endpoint, channel, factory.payload(external_id="p-3"), secret="wrong").status_code == 401
    assert [r.external_id for r in _staged_rows(module)] == ["p-1"]
