"""The Flask application as seen from a worker process: created once, safe across fork."""
import os
from contextlib import contextmanager

from inbox import create_app

_app = None
_engine_pid = None


def get_app():
    global _app
    if _app is None:
        _app = create_app()
    return _app


def set_app(app) -> None:
    """Use this application in jobs (the worker entry point and tests set it)."""
    global _app
    _app = app


@contextmanager
def app_context():
    """An app context whose database pool was not inherited from a parent process."""
    global _engine_pid
    app = get_app()
    with app.app_context():
        from inbox.extensions import db

        if _engine_pid != os.getpid():
            # A forked work horse must not reuse the parent's connections.
            db.engine.dispose(close=False)
            _engine_pid = os.getpid()
        try:
            yield app
        finally:
            db.session.remove()
