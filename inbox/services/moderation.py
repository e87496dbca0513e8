"""Moderation: hide, unhide, delete, mark spam, block an author; each with a reason, a history, an undo.

The change is made in Parvis at once; when the network can do the same (a Facebook comment,
a YouTube comment...), a job on the deliver queue sends it there, with retries, and the action
shows queued / sent / failed in the conversation.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..connectors import PermanentDeliveryError, connector_for
from ..extensions import db
from ..models import MODERATION_REASONS, Author, Message, ModerationAction, User
from ..models.base import utcnow
from . import audit, events, queue
from .conversations import ConversationError, refresh_classification

UNDO_WINDOW = timedelta(minutes=2)
ACTIONS = ("hide", "unhide", "delete", "spam", "block", "unblock")


# The network call that mirrors a change of a message's visibility (None: nothing to send).
_NETWORK_ACTIONS = {("visible", "hidden"): "hide", ("hidden", "visible"): "unhide",
                    ("visible", "deleted"): "delete", ("hidden", "deleted"): "delete"}
_UNDO_NETWORK = {"hide": "unhide", "spam": "unhide", "unhide": "hide"}


def network_action(entry: ModerationAction) -> str | None:
    """What to send to the network for this entry: spam hides, an undo sends the opposite."""
    if entry.action == "spam":
        return "hide"
    if entry.action == "undo":
        return _UNDO_NETWORK.get(entry.comment or "")
    return entry.action if entry.action in ("hide", "unhide", "delete") else None


def network_supports(message: Message, action: str) -> bool:
    try:
        return connector_for(message.conversation.channel).can_moderate(message, action)
    except PermanentDeliveryError:
        return False


def _snapshot(message: Message) -> dict:
    return {"visibility": message.visibility, "flag_spam": message.flag_spam,
            "author_blocked": bool(message.author and message.author.blocked)}


def _apply(message: Message, action: str) -> None:
    if action == "hide":
        if message.visibility != "visible":
            raise ConversationError(_l("This message is not visible."))
        message.visibility = "hidden"
    elif action == "unhide":
        if message.visibility != "hidden":
            raise ConversationError(_l("This message is not hidden."))
        message.visibility = "visible"
    elif action == "delete":
        message.visibility = "deleted"
    elif action == "spam":
        message.flag_spam = True
        if message.visibility == "visible":
            message.visibility = "hidden"
    elif action in ("block", "unblock"):
        if message.author is None:
            raise ConversationError(_l("This message has no known author."))
        message.author.blocked = action == "block"


def moderate(message: Message, action: str, reason: str, user: User | None,
             comment: str | None = None) -> ModerationAction:
    """Apply one moderation action to a citizen's message (or its author) and record it."""
    if action not in ACTIONS:
        raise ConversationError(_l("Unknown moderation action: %(action)s", action=action))
    if reason not in MODERATION_REASONS:
        raise ConversationError(_l("Unknown moderation reason: %(reason)s", reason=reason))
    if message.direction != "in":
        raise ConversationError(_l("Only citizens' messages can be moderated."))
    if message.visibility == "deleted":
        raise ConversationError(_l("This message is already deleted."))
    previous = _snapshot(message)
    _apply(message, action)
    entry = ModerationAction(message_id=message.id, user_id=user.id if user else None, action=action,
                             reason=reason, comment=(comment or "").strip()[:500] or None, previous=previous)
    to_network = _queue_if_supported(entry, message, previous["visibility"], message.visibility)
    db.session.add(entry)
    audit.record(f"moderation.{action}", message, user=user, reason=reason, to_network=to_network)
    refresh_classification([message.conversation_id])
    db.session.commit()
    if to_network:
        queue.enqueue_moderation(entry.id)
    events.publish("conversation.updated", conversation_id=message.conversation_id, message_id=message.id)
    return entry


def _queue_if_supported(entry: ModerationAction, message: Message, before: str, after: str) -> bool:
    """Mark the entry queued for the network when the visibility change means something there."""
    action = _NETWORK_ACTIONS.get((before, after))
    if action is None or not network_supports(message, action):
        return False
    entry.delivery_status = "queued"
    return True


def retry_delivery(entry: ModerationAction, user: User) -> None:
    """Send a moderation action the network refused or never received again."""
    if entry.delivery_status != "failed":
        raise ConversationError(_l("Only a failed moderation action can be sent again."))
    entry.delivery_status = "queued"
    entry.delivery_error = None
    entry.delivery_attempts = 0
    audit.record("moderation.retry", entry, user=user)
    db.session.commit()
    queue.enqueue_moderation(entry.id)


def can_undo(entry: ModerationAction, user: User) -> bool:
    return (entry.action in ACTIONS and entry.undone_at is None and entry.previous is not None
            and entry.user_id == user.id and utcnow() - entry.created_at <= UNDO_WINDOW)


def undo(entry: ModerationAction, user: User) -> ModerationAction:
    """Put the message (and its author) back as they were before `entry`, within the undo window."""
    if not can_undo(entry, user):
        raise ConversationError(_l("This action can no longer be undone."))
    message = entry.message
    previous = entry.previous
    if message.visibility == "deleted" and previous["visibility"] != "deleted" and entry.delivery_status is not None:
        raise ConversationError(_l("The message is deleted on the network too: this cannot be undone."))
    before = message.visibility
    message.visibility = previous["visibility"]
    message.flag_spam = previous["flag_spam"]
    if message.author is not None:
        message.author.blocked = previous["author_blocked"]
    entry.undone_at = utcnow()
    record = ModerationAction(message_id=message.id, user_id=user.id, action="undo", reason=entry.reason,
                              comment=entry.action)
    # Send the opposite to the network only when the undone action went (or is going) there.
    to_network = entry.delivery_status is not None and _queue_if_supported(record, message, before,
                                                                           message.visibility)
    db.session.add(record)
    audit.record("moderation.undo", message, user=user, undone=entry.id, to_network=to_network)
    refresh_classification([message.conversation_id])
    db.session.commit()
    if to_network:
        queue.enqueue_moderation(record.id)
    events.publish("conversation.updated", conversation_id=message.conversation_id, message_id=message.id)
    return record


def message_history(message_ids) -> dict[int, list[ModerationAction]]:
    ids = list(message_ids)
    history: dict[int, list[ModerationAction]] = {}
    if not ids:
        return history
    for entry in db.session.scalars(select(ModerationAction).where(ModerationAction.message_id.in_(ids))
                                    .order_by(ModerationAction.created_at, ModerationAction.id)):
        history.setdefault(entry.message_id, []).append(entry)
    return history


def author_history(author: Author, limit: int = 50) -> list[ModerationAction]:
    """Every moderation action on any of the author's messages, newest first."""
    return db.session.scalars(
        select(ModerationAction).join(Message, Message.id == ModerationAction.message_id)
        .where(Message.author_id == author.id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()).limit(limit)).all()


def hide_conversation(conversation, action: str, reason: str, user: User, comment: str | None = None) -> int:
    """Hide (or mark as spam) every visible citizen message of a conversation; returns how many."""
    count = 0
    for message in conversation.messages.filter(Message.direction == "in", Message.visibility == "visible").all():
        moderate(message, action, reason, user, comment)
        count += 1
    return count
