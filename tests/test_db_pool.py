"""Pooled connections checked only once idle (inbox/db_pool.py), against a real PostgreSQL whose
server closes them (pg_terminate_backend, as a restart or an idle timeout would)."""
from types import SimpleNamespace

import psycopg
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from inbox import db_pool
from inbox.extensions import db
from inbox.models import Message
from tests import helpers
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgresql_only


def _terminate_other_backends() -> int:
    """Close, from the server's side, every other connection to the test database."""
    with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        return conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]


@pytest.fixture
def engine(app):
    engine = create_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _pings(engine, monkeypatch) -> list:
    pings = []
    real = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or real(conn))
    return pings


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.pg_backend_pid())).scalar_one()


def test_a_connection_back_from_use_a_moment_ago_is_not_checked(engine, monkeypatch):
    db_pool.install(engine, 60)
    pings = _pings(engine, monkeypatch)
    pids = {_backend_pid(engine) for _ in range(5)}
    assert pings == []
    assert len(pids) == 1  # the same pooled connection each time


def test_with_zero_seconds_every_checkout_is_checked(engine, monkeypatch):
    db_pool.install(engine, 0)
    pings = _pings(engine, monkeypatch)
    for _ in range(4):
        _backend_pid(engine)
    assert len(pings) == 3  # the first checkout opened a new connection: nothing to check


def test_an_idle_connection_the_server_closed_is_replaced_before_use(engine):
    db_pool.install(engine, 0)
    first = _backend_pid(engine)
    assert _terminate_other_backends() >= 1
    assert _backend_pid(engine) != first  # answered, on a new connection


def test_without_the_check_the_closed_connection_fails_its_next_statement(engine):
    db_pool.install(engine, 3600)  # never idle long enough: what a connection in steady use meets
    _backend_pid(engine)
    _terminate_other_backends()
    with pytest.raises(DBAPIError) as failure:
        _backend_pid(engine)
    assert failure.value.connection_invalidated
    _backend_pid(engine)  # the pool replaced it


def test_sqlite_engines_are_left_alone(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    db_pool.install(engine, 0)
    assert not getattr(engine, "_parvis_idle_ping", False)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


@pytest.fixture
def never_idle(monkeypatch):
    """The app's pooled connections never count as idle: none is checked before use."""
    monkeypatch.setenv("PARVIS_DB_PING_AFTER_SECONDS", "3600")


def test_a_delivery_on_a_connection_the_server_closed_is_stored_once(never_idle, client, factory, app):
    assert app.config["DB_PING_AFTER_SECONDS"] == 3600
    channel = factory.channel()
    channel_id, secret = channel.id, channel.signing_secret
    db.session.commit()
    first = factory.payload()
    assert helpers.post_signed(client, SimpleNamespace(id=channel_id), first, secret=secret).status_code == 201
    db.session.commit()
    assert _terminate_other_backends() >= 1  # the pooled connections the post and the test used

    second = factory.payload()
    response = helpers.post_signed(client, SimpleNamespace(id=channel_id), second, secret=secret)

    assert response.status_code == 201, response.get_json()
    db.session.rollback()
    stored = db.session.execute(select(Message.external_id).where(Message.channel_id == channel_id)).scalars().all()
    assert sorted(stored) == sorted([first["external_id"], second["external_id"]])


def test_the_setting_is_checked_at_start_up(monkeypatch):
    from inbox.config import load_config

    monkeypatch.setenv("PARVIS_DB_PING_AFTER_SECONDS", "soon")
    with pytest.raises(ValueError, match="PARVIS_DB_PING_AFTER_SECONDS"):
        load_config("/tmp")
