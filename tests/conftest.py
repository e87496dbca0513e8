"""Shared fixtures: a real database (SQLite and PostgreSQL), a real Redis, the real classifier."""
import os
from pathlib import Path

import pytest
import redis as redis_lib
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from inbox import create_app
from inbox.extensions import db

POSTGRES_URL = os.environ.get("PARVIS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PARVIS_TEST_REDIS", "redis://127.0.0.1:6379/15")
BACKENDS = [b for b in os.environ.get("PARVIS_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]

_migrated: set[str] = set()


def _database_url(backend: str, tmp_root: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_root / 'parvis-test.db'}"
    return POSTGRES_URL


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _truncate(app) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(chr(34) + t + chr(34) for t in tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f"DELETE FROM \"{table}\""))
    db.session.commit()


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql_only: a PostgreSQL-only feature; not collected for SQLite")


def pytest_collection_modifyitems(config, items):
    """Deselect (never skip) the SQLite variant of PostgreSQL-only tests."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("backend") == "sqlite"
        (drop if on_sqlite and item.get_closest_marker("postgresql_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("parvis")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def redis_client():
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def app(backend, tmp_root, redis_client, monkeypatch):
    """The application on a freshly migrated, empty database of the given backend."""
    from flask_migrate import upgrade

    url = _database_url(backend, tmp_root)
    monkeypatch.setenv("PARVIS_INSTANCE", str(tmp_root / "instance"))
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    # Test callbacks listen on loopback: allow it here and in worker processes (tests/test_web_security.py
    # checks the refusal with the production default).
    monkeypatch.setenv("PARVIS_ALLOW_PRIVATE_DESTINATIONS", "1")
    application = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS_URL,
        "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret-key", "ALLOW_PRIVATE_DESTINATIONS": True,
    })
    with application.app_context():
        if backend not in _migrated:
            # Each backend is migrated from scratch once per session: the migrations are tested too.
            if backend == "postgresql":
                _reset_postgres(url)
            else:
                Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            upgrade()
            _migrated.add(backend)
        _truncate(application)
    from workers.app import set_app

    set_app(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    set_app(None)


class IsolatedClient(FlaskClient):
    """A test client whose requests do not share `g` with the test's own app context.

    Tests keep an app context open to use the database directly; Flask would reuse it for
    each request, so per-request caches (the signed-in user, the locale) would leak across.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture(scope="session")
def classifier():
    """The real default classifier, loaded once for the whole session."""
    from workers.classifier import Classifier

    return Classifier.load()


@pytest.fixture
def use_classifier(classifier):
    from workers import classify

    classify.set_classifier(classifier)
    yield classifier


class Factory:
    """Builds domain objects with sensible defaults."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def user(self, role="agent", email=None, password="correct horse battery", name=None, locale="fr"):
        from inbox.models import User

        self._n += 1
        user = User(email=email or f"user{self._n}@parvis.example", name=name or f"User {self._n}",
                    role=role, locale=locale)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    def token(self, user):
        from inbox.models import ApiToken

        token, raw = ApiToken.issue(user, "test")
        db.session.add(token)
        db.session.commit()
        return raw

    def channel(self, name="Test channel", kind="api", **settings):
        from inbox.models import Channel

        channel = Channel(name=name, kind=kind, settings=settings,
                          secrets={"signing_secret": Channel.new_secret()})
        db.session.add(channel)
        db.session.commit()
        return channel

    def payload(self, external_id=None, text="Bonjour, à quelle heure ouvre la mairie ?", **extra):
        self._n += 1
        data = {
            "external_id": external_id or f"ext-{self._n}",
            "kind": "comment",
            "text": text,
            "created_at": "2026-11-20T10:00:00+00:00",
            "author": {"external_id": f"citizen-{self._n}", "name": f"Citoyen {self._n}", "handle": f"c{self._n}"},
        }
        data.update(extra)
        return data


@pytest.fixture
def factory(app):
    with app.app_context():
        yield Factory(app)
