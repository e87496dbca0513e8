"""Flask extensions, created once here and bound to the app in create_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Stable constraint names so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Limits are declared on the views that need them (sign-in); storage is the app's Redis.
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: WAL so the web and the worker can write side by side, and enforce foreign keys."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """SQLite: a web request that changes something takes the write lock when its transaction
    starts (BEGIN IMMEDIATE); everything else keeps the sqlite3 module's behaviour (reads in
    autocommit, a deferred BEGIN before the first write).

    A deferred transaction that reads, then writes after another process (the worker, another web
    thread) committed, fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT): the busy
    timeout cannot help it. Taking the lock up front makes such requests queue within busy_timeout
    instead; readers are never blocked in WAL mode. Only requests: their session ends with the
    request, so the lock is never held by an idle session (a worker's or a shell's could be).
    PostgreSQL, the production database, is untouched.
    """
    if connection.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
