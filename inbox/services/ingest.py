"""Ingestion: normalised inbound messages stored once, idempotent on (channel, external id).

Everything is committed before any wake-up is enqueued: the database is the source of truth
and the queue only carries wake-ups.
"""
import logging
import random
import time
from types import SimpleNamespace

import redis
from flask import current_app, g
from sqlalchemy import (Text, and_, bindparam, case, func, insert, literal_column, or_, select, true, type_coerce,
                        update)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import aliased, noload

from ..extensions import db
from ..models import Author, Channel, Conversation, ConversationCycle, Message, Setting
from ..models.base import UTCDateTime, utcnow
from ..models.secrets import EncryptedJSON
from .. import observability
from ..redis_conn import get_redis
from . import events, queue, settings, sla
from .conversations import note_inbound

log = logging.getLogger(__name__)


class IngestResult:
    """One message's outcome: its answer, and the stored Message (loaded on first use when the
    Core fast path stored it without an ORM object)."""

    def __init__(self, message: Message | None, created: bool, answer: dict | None = None):
        self.created = created
        self._message = message
        # Read before the commit expires the message: no reload query per result afterwards.
        answer = answer or {"id": message.id, "external_id": message.external_id,
                            "conversation_id": message.conversation_id}
        self._answer = {**answer, "status": "created" if created else "duplicate"}

    @property
    def message(self) -> Message:
        if self._message is None:
            self._message = db.session.get(Message, self._answer["id"])
        return self._message

    def as_dict(self) -> dict:
        return dict(self._answer)


_SECRETS_TYPE = EncryptedJSON()
_decrypted: dict[tuple[str, str], str | None] = {}


def ingest_channel(channel_id: int):
    """The enabled channel's id and signing secret, or None: one small query, no ORM object.

    The secret is read from the database on every call (a rotated secret or a disabled channel
    takes effect at once); only its decryption is remembered, keyed by the ciphertext.
    """
    row = db.session.execute(_channel_statement(), {"channel_id": channel_id}).first()
    if row is None:
        return None
    return _ingest_channel(channel_id, row.enabled, row.secrets)


def ingest_lookup(channel_id: int, item: dict):
    """(channel or None, lookup row) for one validated message: what ingest_channel() reads and
    what the single-message path looks up first (duplicate, conversation and its state, author,
    SLA settings), in one statement. Read only: the caller checks the channel and the signature,
    then passes the row to ingest_messages(found=...)."""
    row = _fast_execute(_statements()["lookup"], _lookup_params(channel_id, item)).one()
    return _ingest_channel(channel_id, row.enabled, row.secrets), row


def _ingest_channel(channel_id: int, enabled, ciphertext):
    if not enabled:
        return None
    cache_key = (current_app.config["SECRET_KEY"], ciphertext)
    secret = _decrypted.get(cache_key)
    if secret is None:
        secret = (_SECRETS_TYPE.process_result_value(ciphertext, None) or {}).get("signing_secret")
        if len(_decrypted) > 1000:
            _decrypted.clear()
        _decrypted[cache_key] = secret
    return SimpleNamespace(id=channel_id, signing_secret=secret)


def _channel_statement():
    if "channel" not in _STATEMENTS:
        # The ciphertext as stored (type_coerce: not decrypted by the column type).
        _STATEMENTS["channel"] = select(Channel.enabled, type_coerce(Channel.secrets, Text).label("secrets")).where(
            Channel.id == bindparam("channel_id"))
    return _STATEMENTS["channel"]


_CONNECTION_KEY = "_parvis_ingest_connection"


def _fast_execute(statement, params: dict):
    """Run a single-message statement. PostgreSQL, when the session has no transaction of its
    own: on a connection in autocommit mode, so the lookup and the one write statement each run
    as their own transaction (no BEGIN and COMMIT round trips; the write is durable when it
    returns, synchronous_commit untouched). Otherwise (SQLite, or a caller with a transaction
    in progress, whose locks the write must not wait for): in the session's transaction."""
    connection = g.get(_CONNECTION_KEY)
    if connection is not None:
        return connection.execute(statement, params)
    # (No session is created just to ask: a request that has not used one has none.)
    if (db.session.registry.has() and db.session().in_transaction()) or db.engine.dialect.name != "postgresql":
        return db.session.execute(statement, params)
    for attempt in (1, 2):
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        setattr(g, _CONNECTION_KEY, connection)
        try:
            return connection.execute(statement, params)
        except DBAPIError as exc:
            # The connection's first statement (the lookup, read only) found it closed by the
            # server since its last use (inbox/db_pool.py checks only idle ones): SQLAlchemy has
            # replaced the pool's connections; run it once more on a new one.
            release_connection()
            if attempt == 2 or not exc.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def release_connection(_exc=None) -> None:
    """Return the single-message path's autocommit connection to the pool (if it took one)."""
    connection = g.pop(_CONNECTION_KEY, None)
    if connection is not None:
        connection.close()


def conversation_key(item: dict) -> str:
    """The thread a message belongs to: given by the network, else derived from its kind."""
    if item.get("thread_external_id"):
        return item["thread_external_id"]
    if item["kind"] == "private":
        return f"dm:{item['author']['external_id']}"
    return item.get("parent_external_id") or item["external_id"]


def _author(channel: Channel, data: dict) -> Author:
    author = Author.query.filter_by(channel_id=channel.id, external_id=data["external_id"]).first()
    if author is None:
        author = Author(channel_id=channel.id, external_id=data["external_id"])
        db.session.add(author)
    if author.anonymised_at is None:
        author.name = data.get("name") or author.name
        author.handle = data.get("handle") or author.handle
    return author


def _conversation(channel: Channel, item: dict, author: Author) -> Conversation:
    key = conversation_key(item)
    # Labels are not needed here; without noload their selectin query runs on every message.
    conversation = (Conversation.query.options(noload(Conversation.labels))
                    .filter_by(channel_id=channel.id, external_id=key).first())
    if conversation is None:
        post = item.get("post") or {}
        conversation = Conversation(
            channel_id=channel.id, external_id=key, kind=item["kind"], author=author,
            post_external_id=post.get("external_id"), post_text=post.get("text"),
            post_url=post.get("url"), opened_at=item["created_at"], message_count=0,
            # Set now: an autoflush before note_inbound() would otherwise default it to "now".
            last_message_at=item["created_at"],
        )
        db.session.add(conversation)
    return conversation


def _store_one(channel: Channel, item: dict, raw: dict | None) -> IngestResult:
    """Store one message with the ORM (batches, and a single message after a lost race)."""
    existing = Message.query.filter_by(
        channel_id=channel.id, external_id=item["external_id"]).first()
    if existing is not None:
        return IngestResult(existing, created=False)
    author = _author(channel, item["author"])
    conversation = _conversation(channel, item, author)
    message = Message(
        conversation=conversation, channel_id=channel.id, external_id=item["external_id"],
        parent_external_id=item.get("parent_external_id"), direction="in", author=author,
        body=item["text"], permalink=item.get("permalink"), created_at=item["created_at"],
        received_at=utcnow(), raw=raw, classify_status="pending",
    )
    db.session.add(message)
    note_inbound(conversation, message)
    db.session.flush()
    return IngestResult(message, created=True)


def ingest_messages(channel: Channel, items: list[dict], raws: list | None = None,
                    found=None) -> list[IngestResult]:
    """Store validated messages in one transaction, then wake the classifier.

    `found`: the row ingest_lookup() returned for a single message (its lookup is not run again).

    A concurrent delivery of the same message makes the unique constraint fire; that item
    is retried once inside its own savepoint and then found as a duplicate.
    SQLite: a transaction that read before a worker committed cannot write ("database is
    locked" at once, no waiting); it is rolled back and run again (ingestion is idempotent).
    """
    for attempt in range(SQLITE_LOCK_RETRIES + 1):
        try:
            if len(items) == 1:
                results = [_store_single(channel, items[0], raws[0] if raws else None, found)]
            else:
                results = _store_many(channel, items, raws)
            break
        except OperationalError as exc:
            db.session.rollback()
            found = None  # read before the rollback: looked up again
            if attempt == SQLITE_LOCK_RETRIES or not _is_sqlite_lock(exc):
                raise
            time.sleep(_sqlite_lock_backoff(attempt))
    created = [r for r in results if r.created]
    if created:
        _announce(created)
    return results


def _announce(created: list[IngestResult]) -> None:
    """After the commit: count, wake the classifier and tell open pages, in one Redis round trip.

    Best effort, like observability.count(), queue.wake_classifier() and events.publish() that it
    stands for: the messages are committed, and the sweeper wakes the classifier for pending
    messages if Redis is unreachable now. The wake-up flag (SET NX with an expiry) keeps at most
    one wake-up job waiting: the job claims whatever is pending when it runs.
    """
    try:
        client = get_redis()
        pipe = client.pipeline(transaction=False)
        observability.count("messages_ingested", len(created), client=pipe)
        pipe.set(queue.CLASSIFY_WAKEUP_KEY, "1", nx=True, ex=queue.CLASSIFY_WAKEUP_TTL)
        answers = (result.as_dict() for result in created)
        events.add_to(pipe, client, "message.created",
                      [{"message_id": a["id"], "conversation_id": a["conversation_id"]} for a in answers])
        replies = pipe.execute()
    except redis.RedisError as exc:
        log.warning("ingestion announcements not sent (the sweeper will wake the classifier): %s", exc)
        return
    if replies[1]:
        queue.enqueue_classify()


# Three workers committing batches on a slow 2-vCPU machine made seven tries in 1.3 s all
# collide once in CI (a 503 to the client). Up to 12 tries, the wait doubling from 20 ms to at
# most 0.5 s with jitter so that colliding writers fall out of step: about 4 s in all.
SQLITE_LOCK_RETRIES = 11
SQLITE_LOCK_MAX_WAIT = 0.5


def _sqlite_lock_backoff(attempt: int) -> float:
    return min(0.02 * 2**attempt, SQLITE_LOCK_MAX_WAIT) * random.uniform(0.5, 1.0)


def _is_sqlite_lock(exc: OperationalError) -> bool:
    return db.engine.dialect.name == "sqlite" and "database is locked" in str(exc.orig)


def _store_single(channel: Channel, item: dict, raw, found=None) -> IngestResult:
    """One message, one transaction: a concurrent duplicate rolls it back and finds the winner.

    No savepoint (two fewer round trips on the busiest path: most webhooks carry one message).
    """
    try:
        for attempt in (1, 2):
            try:
                # A lost race (a concurrent delivery of the same message) is retried on the ORM path.
                if attempt == 1:
                    result = _store_with_core(channel.id, item, raw, found)
                else:
                    result = _store_one(channel, item, raw)
                if db.session.registry.has() and db.session().in_transaction():
                    db.session.commit()  # not on the autocommit connection (_fast_execute)
                return result
            except IntegrityError:
                db.session.rollback()
                release_connection()
                if attempt == 2:
                    raise
    finally:
        release_connection()
    raise AssertionError("unreachable")


def _lookup_params(channel_id: int, item: dict) -> dict:
    return {"channel_id": channel_id, "external_id": item["external_id"], "conversation_key": conversation_key(item),
            "author_external_id": item["author"]["external_id"], "created_at": item["created_at"]}


def _store_with_core(channel_id: int, item: dict, raw, found=None) -> IngestResult:
    """The single-message path in a few Core statements, no ORM objects: a duplicate, a message
    that starts a new conversation, or one that continues an existing conversation
    (_store_in_thread()).

    The same rows as _store_one() + note_inbound() + cycles.on_inbound() for a new conversation:
    one conversation (open, waiting since the message), its first cycle with the SLA deadline of
    an unclassified ("normal") message, the message pending classification. A concurrent
    delivery makes a unique constraint fire: the caller rolls back and takes the ORM path,
    which then finds the winner.
    """
    key = conversation_key(item)
    author_data = item["author"]
    if found is None:
        found = _fast_execute(_statements()["lookup"], _lookup_params(channel_id, item)).one()
    author_id, name, handle = found.author_id, found.author_name, found.author_handle
    conversation_id = found.conversation_id
    settings.prime({settings.CALENDAR_KEY: found.calendar, settings.SLA_KEY: found.sla_targets})
    if found.message_id is not None:
        return IngestResult(None, created=False, answer={
            "id": found.message_id, "external_id": item["external_id"],
            "conversation_id": found.message_conversation_id})
    new_name, new_handle = author_data.get("name") or name, author_data.get("handle") or handle
    author_update = None
    if author_id is not None and not found.anonymised and (new_name, new_handle) != (name, handle):
        author_update = {"renamed_author_id": author_id, "renamed_author_name": new_name,
                         "renamed_author_handle": new_handle}
    created_at, post = item["created_at"], item.get("post") or {}
    message = dict(
        channel_id=channel_id, external_id=item["external_id"], author_id=author_id,
        parent_external_id=item.get("parent_external_id"), direction="in", body=item["text"],
        permalink=item.get("permalink"), created_at=created_at, received_at=utcnow(), raw=raw,
        classify_status="pending")
    author = None if author_id is not None else dict(
        channel_id=channel_id, external_id=author_data["external_id"], name=author_data.get("name"),
        handle=author_data.get("handle"))
    if conversation_id is not None:
        return _store_in_thread(found, item, message, author, author_update)
    due = sla.deadline(created_at, "normal")
    rows = {
        "author": author,
        "conversation": dict(
            channel_id=channel_id, external_id=key, kind=item["kind"], author_id=author_id,
            post_external_id=post.get("external_id"), post_text=post.get("text"), post_url=post.get("url"),
            status="open", opened_at=created_at, waiting_since=created_at, last_message_at=created_at,
            last_excerpt=item["text"][:280], message_count=1),
        "message": message,
        "cycle": dict(
            channel_id=channel_id, seq=1, opened_at=created_at, first_inbound_at=created_at,
            sla_due_at=due[0] if due else None, sla_warn_at=due[1] if due else None),
    }
    if db.engine.dialect.name == "postgresql":
        message_id, conversation_id = _insert_thread_one_statement(rows, author_update)
    else:
        message_id, conversation_id = _insert_thread(rows, author_update)
    return IngestResult(None, created=True, answer={
        "id": message_id, "external_id": item["external_id"], "conversation_id": conversation_id})


def _store_in_thread(state, item: dict, message: dict, author: dict | None,
                     author_update: dict | None) -> IngestResult:
    """A message that continues an existing conversation, in Core statements: the same rows as
    _store_one() + note_inbound() + cycles.on_inbound() (tested column by column).

    The conversation is reopened when resolved or snoozed and starts waiting; the current cycle
    (or a new one when there is none or it is resolved) gets its first inbound time and, while
    it waits for its first response, its urgency and deadline recomputed from its inbound
    messages (sla.cycle_values(), as sla.refresh_cycle()). The message count is incremented in
    SQL, so concurrent deliveries to one conversation do not lose a count.

    `state` is the lookup row: the conversation, its latest cycle and (PostgreSQL) the inbound
    messages the cycle's deadline is computed from. On PostgreSQL every write is one statement
    (data-modifying CTEs); on SQLite one statement per table.
    """
    statements = _statements()
    conversation_id, created_at = state.conversation_id, message["created_at"]
    if db.engine.dialect.name == "postgresql":
        # The waiting messages as read by the lookup (since its cycle's first inbound message,
        # or since this one), and this one.
        earlier = list(zip(state.waiting_created_at or (), state.waiting_urgency or (), state.waiting_status or ()))
        new_message = (created_at, None, "pending")
        cycle, conversation = _thread_changes(
            state, message, lambda since: [row for row in earlier if row[0] >= since] + [new_message])
        # No parameter is named after a column of a table updated here (SQLAlchemy would add it
        # to that UPDATE's SET clause).
        params = {"thread_conversation_id": conversation_id, **(author_update or {})}
        if author is not None:
            params.update(_with_defaults("author", author))
        params.update(_with_defaults("message", {**message, "conversation_id": conversation_id},
                                     _IN_THREAD_COLUMNS["message"]))
        cycle_key = None
        if cycle is not None:
            action, values = cycle
            cycle_key = (action, tuple(sorted(values)))
            params.update({f"cycle_{name}": value for name, value in values.items()})
            if action == "insert":
                params.update(_with_defaults("cycle", values, _IN_THREAD_COLUMNS["cycle"]))
            else:
                params["cycle_id"] = state.cycle_id
        params.update({f"conversation_{name}": value for name, value in conversation.items()})
        statement = _thread_write_statement(author is not None, author_update is not None, cycle_key,
                                            tuple(sorted(conversation)))
        message_id = _fast_execute(statement, params).scalar_one()
    else:
        # Statements built once; the parameters name the columns (Core applies the Python defaults).
        if author_update is not None:
            _fast_execute(statements["update_author"], author_update)
        if author is not None:
            message["author_id"] = _fast_execute(statements["insert_author"], author).scalar_one()
        message_id = _fast_execute(statements["insert_message"],
                                   {**message, "conversation_id": conversation_id}).scalar_one()
        cycle, conversation = _thread_changes(state, message, lambda since: _fast_execute(
            statements["waiting"], {"conversation_id": conversation_id, "since": since}).all())
        if cycle is not None:
            action, values = cycle
            if action == "insert":
                _fast_execute(statements["insert_cycle"], values)
            else:
                _fast_execute(statements["update_cycle"], {**values, "cycle_id": state.cycle_id})
        _fast_execute(statements["update_conversation"], {**conversation, "conversation_id": conversation_id})
    return IngestResult(None, created=True, answer={
        "id": message_id, "external_id": message["external_id"], "conversation_id": conversation_id})


def _thread_changes(state, message: dict, waiting) -> tuple[tuple[str, dict] | None, dict]:
    """What a message in an existing conversation changes (cycles.on_inbound, note_inbound):
    ("insert" | "update", the cycle's values) or None, and the conversation's changed columns
    (its message count is incremented by the statement). `waiting(since)` gives the inbound
    messages, this one included, the cycle's deadline is computed from."""
    channel_id, created_at = message["channel_id"], message["created_at"]
    cycle = None
    cycle_id, seq, resolved_at, first_response_at = state.cycle_id, state.seq, state.resolved_at, state.first_response_at
    if cycle_id is None or resolved_at is not None:
        values = dict(channel_id=channel_id, conversation_id=state.conversation_id, seq=seq + 1 if cycle_id else 1,
                      opened_at=created_at, first_inbound_at=created_at)
        values.update(sla.cycle_values(waiting(created_at), None, None))
        cycle = ("insert", values)
    elif first_response_at is None:
        first_inbound_at = state.first_inbound_at
        if first_inbound_at is None or created_at < first_inbound_at:
            first_inbound_at = created_at
        values = {"first_inbound_at": first_inbound_at, **sla.cycle_values(
            waiting(first_inbound_at), state.sla_due_at, state.sla_breach_notified_at)}
        current = {"first_inbound_at": state.first_inbound_at, "urgency": state.urgency, "sla_due_at": state.sla_due_at,
                   "sla_warn_at": state.sla_warn_at, "sla_warned_at": state.sla_warned_at}
        changed = {name: value for name, value in values.items() if value != current[name]}
        if changed:
            cycle = ("update", changed)

    conversation = {}
    if state.status in ("resolved", "snoozed"):
        conversation.update(status="open", opened_at=created_at, resolved_at=None, first_response_at=None,
                            snoozed_until=None)
    if state.waiting_since is None:
        conversation["waiting_since"] = created_at
    if not state.message_count or state.last_message_at is None or created_at >= state.last_message_at:
        conversation.update(last_message_at=created_at, last_excerpt=message["body"][:280])
    return cycle, conversation


# Tables written by the fast path and the columns it sets (the others take their defaults).
_THREAD_TABLES = {"author": Author, "conversation": Conversation, "message": Message, "cycle": ConversationCycle}
_THREAD_COLUMNS = {
    "author": ("channel_id", "external_id", "name", "handle"),
    "conversation": ("channel_id", "external_id", "kind", "author_id", "post_external_id", "post_text", "post_url",
                     "status", "opened_at", "waiting_since", "last_message_at", "last_excerpt", "message_count"),
    "message": ("channel_id", "external_id", "author_id", "parent_external_id", "direction", "body", "permalink",
                "created_at", "received_at", "raw", "classify_status"),
    "cycle": ("channel_id", "seq", "opened_at", "first_inbound_at", "sla_due_at", "sla_warn_at"),
}
# A message and a new cycle in an existing conversation (PostgreSQL's one write statement).
_IN_THREAD_COLUMNS = {
    "message": _THREAD_COLUMNS["message"] + ("conversation_id",),
    "cycle": ("channel_id", "conversation_id", "seq", "opened_at", "first_inbound_at", "urgency", "sla_due_at",
              "sla_warn_at"),
}
_STATEMENTS: dict = {}


def _statements() -> dict:
    """The fast path's statements, built once with bound parameters (SQLAlchemy then compiles
    each once per process: building and compiling them per message cost more than running them)."""
    postgresql = db.engine.dialect.name == "postgresql"
    key = "lookup:postgresql" if postgresql else "lookup:other"
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _lookup_statement(postgresql)
    _STATEMENTS["lookup"] = _STATEMENTS[key]
    if "insert_author" not in _STATEMENTS:
        tables = {name: model.__table__ for name, model in _THREAD_TABLES.items()}
        _STATEMENTS["insert_author"] = insert(tables["author"]).returning(tables["author"].c.id)
        _STATEMENTS["update_author"] = _author_update()
        _STATEMENTS["insert_message"] = insert(tables["message"]).returning(tables["message"].c.id)
        _STATEMENTS["insert_cycle"] = insert(tables["cycle"])
        _STATEMENTS["update_cycle"] = update(tables["cycle"]).where(tables["cycle"].c.id == bindparam("cycle_id"))
        conversation = tables["conversation"]
        _STATEMENTS["update_conversation"] = update(conversation).where(
            conversation.c.id == bindparam("conversation_id")).values(
            message_count=func.coalesce(conversation.c.message_count, 0) + 1)
        _STATEMENTS["waiting"] = sla.waiting_messages(bindparam("conversation_id"), bindparam("since"))
    return _STATEMENTS


def _lookup_statement(postgresql: bool):
    """One row: the channel (enabled, secret ciphertext), the duplicate, the conversation with
    its state and latest cycle, the author, the SLA settings and, on PostgreSQL, the inbound
    messages the cycle's deadline is computed from (arrays, from a LATERAL subquery)."""
    channel_id, external_id = bindparam("channel_id"), bindparam("external_id")
    dup = (Message.channel_id == channel_id) & (Message.external_id == external_id)
    by_author = (Author.channel_id == channel_id) & (Author.external_id == bindparam("author_external_id"))
    earlier = aliased(ConversationCycle)
    # Constants written in the SQL, not parameters: with LIMIT as a parameter, PostgreSQL's
    # generic plan for the prepared statement looked costlier than a custom one, and the lookup
    # was planned again at every execution (0.45 ms of PostgreSQL CPU instead of 0.09).
    latest_cycle = (select(earlier.id).where(earlier.conversation_id == Conversation.id)
                    .order_by(earlier.seq.desc()).limit(literal_column("1")).correlate(Conversation).scalar_subquery())
    one = select(literal_column("1").label("one")).subquery("one")
    joined = one.outerjoin(Conversation, and_(Conversation.channel_id == channel_id,
                                              Conversation.external_id == bindparam("conversation_key"))
                           ).outerjoin(ConversationCycle, ConversationCycle.id == latest_cycle)
    columns = [
        select(Channel.enabled).where(Channel.id == channel_id).scalar_subquery().label("enabled"),
        # The ciphertext as stored (type_coerce: not decrypted by the column type).
        select(type_coerce(Channel.secrets, Text)).where(Channel.id == channel_id).scalar_subquery().label("secrets"),
        select(Message.id).where(dup).scalar_subquery().label("message_id"),
        select(Message.conversation_id).where(dup).scalar_subquery().label("message_conversation_id"),
        Conversation.id.label("conversation_id"),
        select(Author.id).where(by_author).scalar_subquery().label("author_id"),
        select(Author.anonymised_at.isnot(None)).where(by_author).scalar_subquery().label("anonymised"),
        select(Author.name).where(by_author).scalar_subquery().label("author_name"),
        select(Author.handle).where(by_author).scalar_subquery().label("author_handle"),
        # The settings an SLA deadline needs (settings.prime): no query of their own.
        select(Setting.value).where(Setting.key == settings.CALENDAR_KEY).scalar_subquery().label("calendar"),
        select(Setting.value).where(Setting.key == settings.SLA_KEY).scalar_subquery().label("sla_targets"),
        Conversation.status, Conversation.waiting_since, Conversation.message_count, Conversation.last_message_at,
        ConversationCycle.id.label("cycle_id"), ConversationCycle.seq, ConversationCycle.resolved_at,
        ConversationCycle.first_response_at, ConversationCycle.first_inbound_at, ConversationCycle.urgency,
        ConversationCycle.sla_due_at, ConversationCycle.sla_warn_at, ConversationCycle.sla_warned_at,
        ConversationCycle.sla_breach_notified_at,
    ]
    if postgresql:
        created_at = bindparam("created_at", type_=UTCDateTime())
        inbound = aliased(Message)
        new_cycle = or_(ConversationCycle.id.is_(None), ConversationCycle.resolved_at.isnot(None))
        # As _thread_changes(): since this message for a new cycle, else since the cycle's first
        # inbound message (or this one, when older); nothing for a cycle already answered.
        since = case((new_cycle, created_at),
                     else_=func.least(func.coalesce(ConversationCycle.first_inbound_at, created_at), created_at))
        waiting = (select(func.array_agg(inbound.created_at).label("created_at"),
                          func.array_agg(inbound.urgency).label("urgency"),
                          func.array_agg(inbound.classify_status).label("status"))
                   .where(inbound.conversation_id == Conversation.id, inbound.direction == "in",
                          inbound.created_at >= since,
                          or_(new_cycle, ConversationCycle.first_response_at.is_(None)))
                   .lateral("waiting"))
        joined = joined.outerjoin(waiting, true())
        columns += [waiting.c.created_at.label("waiting_created_at"), waiting.c.urgency.label("waiting_urgency"),
                    waiting.c.status.label("waiting_status")]
    return select(*columns).select_from(joined)


def _author_update():
    table = Author.__table__
    return update(table).where(table.c.id == bindparam("renamed_author_id")).values(
        name=bindparam("renamed_author_name"), handle=bindparam("renamed_author_handle"))


def _with_defaults(name: str, values: dict, columns=None) -> dict:
    """The parameters of one table's INSERT: the given columns, then the Python-side defaults."""
    columns = columns or _THREAD_COLUMNS[name]
    params = {f"{name}_{column}": values[column] for column in columns if column in values}
    for key, default in _defaults(name, columns):
        params[key] = default.arg(None) if default.is_callable else default.arg
    return params


def _defaults(name: str, columns) -> list:
    """(parameter name, column default) of the table's other columns that have a Python-side default."""
    key = ("defaults", name, columns)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = [(f"{name}_{column.name}", column.default)
                            for column in _THREAD_TABLES[name].__table__.columns
                            if column.name not in columns and column.default is not None]
    return _STATEMENTS[key]


def _insert_select(name: str, refs: dict, columns=None):
    """INSERT INTO <table> (...) SELECT <typed parameters>, <columns of earlier CTEs>."""
    table = _THREAD_TABLES[name].__table__
    columns = columns or _THREAD_COLUMNS[name]
    names = [c for c in columns if c not in refs]
    names += [c.name for c in table.columns if c.default is not None and c.name not in columns]
    params = [bindparam(f"{name}_{column}", type_=table.c[column].type) for column in names]
    rows = select(*params, *refs.values())
    sources = list(dict.fromkeys(ref.table for ref in refs.values()))
    if len(sources) > 1:  # one row each: join them explicitly (no "cartesian product" warning)
        joined = sources[0]
        for source in sources[1:]:
            joined = joined.join(source, true())
        rows = rows.select_from(joined)
    return insert(table).from_select(names + list(refs), rows, include_defaults=False)


def _author_ctes(new_author: bool, rename_author: bool) -> tuple[dict, list]:
    """The author's part of a one-statement write: ({"author_id": the new author's id} when it is
    inserted, [its CTEs]); a known author whose name changed is renamed in the same statement."""
    refs, ctes = {}, []
    if new_author:
        author = _insert_select("author", {}).returning(Author.id).cte("new_author")
        ctes.append(author)
        refs["author_id"] = author.c.id
    if rename_author:
        ctes.append(_author_update().returning(Author.id).cte("renamed_author"))
    return refs, ctes


def _thread_statement(new_author: bool, rename_author: bool):
    """PostgreSQL: author (when new; or its new name), conversation, message and cycle in one
    statement (chained data-modifying CTEs); the foreign keys between them are checked at its end."""
    key = ("thread", new_author, rename_author)
    if key in _STATEMENTS:
        return _STATEMENTS[key]
    refs, ctes = _author_ctes(new_author, rename_author)
    conversation = _insert_select("conversation", refs).returning(Conversation.id).cte("new_conversation")
    message_refs = {**refs, "conversation_id": conversation.c.id}
    message = _insert_select("message", message_refs).returning(Message.id, Message.conversation_id).cte("new_message")
    cycle = _insert_select("cycle", {"conversation_id": conversation.c.id}).returning(
        ConversationCycle.id).cte("new_cycle")
    statement = _STATEMENTS[key] = select(message.c.id, message.c.conversation_id).add_cte(*ctes, conversation, cycle)
    return statement


def _thread_write_statement(new_author: bool, rename_author: bool, cycle_key, conversation_columns: tuple):
    """PostgreSQL: every write of a message in an existing conversation in one statement: the
    author (when new; or its new name), the message, the cycle (inserted, or its changed
    columns), the conversation's changed columns and its count. One statement per combination
    of changed columns, built once."""
    key = ("thread_write", new_author, rename_author, cycle_key, conversation_columns)
    if key in _STATEMENTS:
        return _STATEMENTS[key]
    refs, ctes = _author_ctes(new_author, rename_author)
    message = _insert_select("message", refs, _IN_THREAD_COLUMNS["message"]).returning(Message.id).cte("new_message")
    if cycle_key is not None:
        action, columns = cycle_key
        table = ConversationCycle.__table__
        if action == "insert":
            cycle = _insert_select("cycle", {}, _IN_THREAD_COLUMNS["cycle"])
        else:
            cycle = update(table).where(table.c.id == bindparam("cycle_id")).values(
                {column: bindparam(f"cycle_{column}", type_=table.c[column].type) for column in columns})
        ctes.append(cycle.returning(table.c.id).cte("cycle_write"))
    table = Conversation.__table__
    ctes.append(update(table).where(table.c.id == bindparam("thread_conversation_id")).values(
        message_count=func.coalesce(table.c.message_count, 0) + 1,
        **{column: bindparam(f"conversation_{column}", type_=table.c[column].type) for column in conversation_columns}
    ).returning(table.c.id).cte("conversation_write"))
    statement = _STATEMENTS[key] = select(message.c.id).add_cte(*ctes)
    return statement


def _insert_thread_one_statement(rows: dict, author_update: dict | None) -> tuple[int, int]:
    params = dict(author_update or {})
    for name in ("author", "conversation", "message", "cycle"):
        if rows[name] is not None:
            params.update(_with_defaults(name, rows[name]))
    statement = _thread_statement(rows["author"] is not None, author_update is not None)
    message_id, conversation_id = _fast_execute(statement, params).one()
    return message_id, conversation_id


def _insert_thread(rows: dict, author_update: dict | None) -> tuple[int, int]:
    """Author (when new; or its new name), conversation, message and cycle, one statement each (SQLite)."""
    if author_update is not None:
        _fast_execute(_statements()["update_author"], author_update)
    author_id = rows["conversation"]["author_id"]
    if rows["author"] is not None:
        author_id = _fast_execute(insert(Author).values(**rows["author"]).returning(Author.id), {}).scalar_one()
    conversation_id = _fast_execute(insert(Conversation).values(
        **{**rows["conversation"], "author_id": author_id}).returning(Conversation.id), {}).scalar_one()
    message_id = _fast_execute(insert(Message).values(
        **{**rows["message"], "author_id": author_id, "conversation_id": conversation_id}).returning(Message.id),
        {}).scalar_one()
    _fast_execute(insert(ConversationCycle).values(**rows["cycle"], conversation_id=conversation_id), {})
    return message_id, conversation_id


def _store_many(channel: Channel, items: list[dict], raws) -> list[IngestResult]:
    """Several messages in one transaction; a duplicate race is retried inside its own savepoint."""
    results = []
    for index, item in enumerate(items):
        raw = raws[index] if raws else None
        for attempt in (1, 2):
            savepoint = db.session.begin_nested()
            try:
                result = _store_one(channel, item, raw)
                savepoint.commit()
                break
            except IntegrityError:
                savepoint.rollback()
                if attempt == 2:
                    raise
        results.append(result)
    db.session.commit()
    return results

