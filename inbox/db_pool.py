"""Pooled database connections: checked before use only when they have sat idle.

SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` each time a connection leaves the pool, so that
a connection the server dropped (a restart, a failover, an idle timeout in between) is replaced
before a request uses it. That is one more round trip per request: on the ingestion path, a
third of its PostgreSQL round trips, about a tenth of its throughput (docs/performance.md,
"Ingestion: no ping for a connection in use").

A connection that was in use a moment ago is almost surely still open: under load, each pooled
connection comes back within milliseconds. So the check runs only when a connection has been
idle for `PARVIS_DB_PING_AFTER_SECONDS` (default 1; 0 checks on every checkout, as
`pool_pre_ping` did): at rest every request is checked as before, under load almost none is. A
connection that fails its check is replaced at once (SQLAlchemy's checkout handling of
DisconnectionError). One dropped while in steady use fails its next statement; SQLAlchemy then
replaces every connection of the pool, and the ingestion path runs its first statement again
on a new connection (services/ingest.py, `_fast_execute`), so a delivery is not refused for it.
"""
import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_USED_AT = "parvis_used_at"
_FRESH = "parvis_fresh"


def install(engine: Engine, idle_seconds: int) -> None:
    """Check `engine`'s pooled connections on checkout once idle for `idle_seconds`.

    Not for SQLite (a file: no server to lose the connection)."""
    if engine.dialect.name == "sqlite" or getattr(engine, "_parvis_idle_ping", False):
        return
    engine._parvis_idle_ping = True
    dialect = engine.dialect

    def opened(_dbapi_connection, record):
        record.info[_FRESH] = True  # just opened: nothing to check on its first checkout

    def returned(_dbapi_connection, record):
        if record is not None:
            record.info[_USED_AT] = time.monotonic()

    def check(dbapi_connection, record, _proxy):
        if record.info.pop(_FRESH, False) or time.monotonic() - record.info.get(_USED_AT, 0.0) < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool closes this connection and opens a new one (or raises if it cannot).
            raise exc.DisconnectionError(f"idle connection lost: {error}") from error
        record.info[_USED_AT] = time.monotonic()

    event.listen(engine, "connect", opened)
    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", check)
