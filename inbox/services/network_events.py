"""Apply what happened on a network (new messages, edits, deletions, hides) to Parvis's data.

New messages go through ingest (idempotent on (channel, external id)); an edited message gets
its new text and is classified again; a deleted one gets visibility "deleted"; a message hidden
or unhidden on the network follows. Invalid items are skipped and counted, never half-written.
"""
import logging
from dataclasses import dataclass, field

from marshmallow import ValidationError

from ..extensions import db
from ..models import Message
from ..models.base import utcnow
from . import audit, events, queue
from .conversations import refresh_classification
from .ingest import ingest_messages
from .validation import INBOUND_MESSAGE

log = logging.getLogger(__name__)


@dataclass
class ApplyResult:
    created: int = 0
    duplicates: int = 0
    edited: int = 0
    deleted: int = 0
    hidden: int = 0
    unhidden: int = 0
    invalid: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def apply_events(channel, network_events) -> ApplyResult:
    result = ApplyResult()
    new_items, new_raws, changed = [], [], []
    for event in network_events:
        existing = Message.query.filter_by(channel_id=channel.id, external_id=event.external_id).first()
        if event.action in ("message", "edit") and existing is None:
            if event.item is None:
                continue  # an edit of a message Parvis never saw, without its content
            try:
                new_items.append(INBOUND_MESSAGE.load(event.item))
                new_raws.append(event.raw)
            except ValidationError as exc:
                log.warning("channel %s: invalid item %s skipped: %s", channel.id, event.external_id, exc.messages)
                result.invalid[event.external_id] = exc.messages
        elif event.action in ("message", "edit"):
            text = event.text if event.text is not None else (event.item or {}).get("text")
            if event.action == "edit" or (text is not None and text != existing.body):
                if _edit(existing, text, event.raw):
                    result.edited += 1
                    changed.append(existing)
            else:
                result.duplicates += 1
        elif existing is not None and event.action == "delete":
            if _set_visibility(existing, "deleted"):
                result.deleted += 1
                changed.append(existing)
        elif existing is not None and event.action in ("hide", "unhide"):
            counter = "hidden" if event.action == "hide" else "unhidden"
            if _set_visibility(existing, "hidden" if event.action == "hide" else "visible"):
                setattr(result, counter, getattr(result, counter) + 1)
                changed.append(existing)
    # Commit the changes first (ingest_messages commits its own transaction), then tell the pages.
    db.session.commit()
    for message in changed:
        events.publish("conversation.updated", conversation_id=message.conversation_id, message_id=message.id)
    if new_items:
        for ingested in ingest_messages(channel, new_items, new_raws):
            if ingested.created:
                result.created += 1
            else:
                result.duplicates += 1
    if result.edited:
        queue.wake_classifier()
    return result


def _edit(message: Message, text: str | None, raw) -> bool:
    if text is None or text == message.body or message.visibility == "deleted":
        return False
    message.body = text
    message.edited_at = utcnow()
    if raw is not None:
        message.raw = raw
    # Classified again with the new words; the previous result stays shown until then.
    message.classify_status = "pending"
    message.claim_token = None
    message.classify_attempts = 0
    conversation = message.conversation
    if conversation.last_message_at == message.created_at:
        conversation.last_excerpt = text[:280]
    audit.record("network.edit", message)
    db.session.flush()
    return True


def _set_visibility(message: Message, visibility: str) -> bool:
    if message.visibility == visibility or message.visibility == "deleted":
        return False
    message.visibility = visibility
    audit.record(f"network.{visibility}", message)
    db.session.flush()
    refresh_classification([message.conversation_id])
    return True
