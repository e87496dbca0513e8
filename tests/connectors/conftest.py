"""Fixtures for connector tests: channels with secrets, Parvis served on loopback for webhooks."""
import threading

import pytest
from werkzeug.serving import make_server

from inbox.extensions import db
from inbox.models import Channel
from inbox.services.outbound import ALLOW_SETTING


@pytest.fixture(autouse=True)
def fast_backoff(app):
    app.config["CONNECTOR_BACKOFF_SECONDS"] = 0.01
    app.config["DELIVERY_TIMEOUT_SECONDS"] = 5


@pytest.fixture(autouse=True)
def private_destinations_per_channel(app):
    """Connector tests talk to fake networks on loopback: not through the instance-wide switch, but
    the way an administrator allows it for one channel (its allow_private_network setting)."""
    app.config["ALLOW_PRIVATE_DESTINATIONS"] = False


@pytest.fixture
def make_channel(factory):
    def make(kind, settings=None, secrets=None, name=None, **columns):
        settings = {ALLOW_SETTING: "1", **(settings or {})}
        channel = Channel(kind=kind, name=name or f"{kind} channel", settings=settings,
                          secrets={"signing_secret": Channel.new_secret(), **(secrets or {})}, **columns)
        db.session.add(channel)
        db.session.commit()
        return channel

    return make


@pytest.fixture
def live_parvis(app):
    """Parvis itself on a loopback port, so fake networks can call its webhooks over HTTP."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
