"""Ingestion: normalised inbound messages stored once, idempotent on (channel, external id).

Everything is committed before any wake-up is enqueued: the database is the source of truth
and the queue only carries wake-ups.
"""
import time
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import noload

from ..extensions import db
from ..models import Author, Channel, Conversation, Message
from ..models.base import utcnow
from .. import observability
from . import events, queue
from .conversations import note_inbound


@dataclass
class IngestResult:
    message: Message
    created: bool

    def __post_init__(self):
        # Read before the commit expires the message: no reload query per result afterwards.
        self._answer = {
            "id": self.message.id,
            "external_id": self.message.external_id,
            "conversation_id": self.message.conversation_id,
            "status": "created" if self.created else "duplicate",
        }

    def as_dict(self) -> dict:
        return dict(self._answer)


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
    existing = Message.query.filter_by(channel_id=channel.id, external_id=item["external_id"]).first()
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


def ingest_messages(channel: Channel, items: list[dict], raws: list | None = None) -> list[IngestResult]:
    """Store validated messages in one transaction, then wake the classifier.

    A concurrent delivery of the same message makes the unique constraint fire; that item
    is retried once inside its own savepoint and then found as a duplicate.
    SQLite: a transaction that read before a worker committed cannot write ("database is
    locked" at once, no waiting); it is rolled back and run again (ingestion is idempotent).
    """
    for attempt in range(SQLITE_LOCK_RETRIES + 1):
        try:
            if len(items) == 1:
                results = [_store_single(channel, items[0], raws[0] if raws else None)]
            else:
                results = _store_many(channel, items, raws)
            break
        except OperationalError as exc:
            db.session.rollback()
            if attempt == SQLITE_LOCK_RETRIES or not _is_sqlite_lock(exc):
                raise
            time.sleep(0.02 * 2**attempt)
    created = [r for r in results if r.created]
    if created:
        observability.count("messages_ingested", len(created))
        queue.wake_classifier()
        for result in created:
            answer = result.as_dict()
            events.publish("message.created", message_id=answer["id"], conversation_id=answer["conversation_id"])
    return results


SQLITE_LOCK_RETRIES = 6


def _is_sqlite_lock(exc: OperationalError) -> bool:
    return db.engine.dialect.name == "sqlite" and "database is locked" in str(exc.orig)


def _store_single(channel: Channel, item: dict, raw) -> IngestResult:
    """One message, one transaction: a concurrent duplicate rolls it back and finds the winner.

    No savepoint (two fewer round trips on the busiest path: most webhooks carry one message).
    """
    for attempt in (1, 2):
        try:
            result = _store_one(channel, item, raw)
            db.session.commit()
            return result
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


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
