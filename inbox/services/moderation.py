"""Moderation: hide, unhide and delete messages, each with a reason and an audit trail."""
from ..extensions import db
from ..models import MODERATION_REASONS, Message, ModerationAction, User
from . import audit, events
from .conversations import ConversationError, refresh_classification

_VISIBILITY = {"hide": "hidden", "unhide": "visible", "delete": "deleted"}


def moderate(message: Message, action: str, reason: str, user: User, comment: str | None = None) -> ModerationAction:
    if action not in _VISIBILITY:
        raise ConversationError(f"Unknown moderation action: {action}")
    if reason not in MODERATION_REASONS:
        raise ConversationError(f"Unknown moderation reason: {reason}")
    if message.direction != "in":
        raise ConversationError("Only citizens' messages can be moderated.")
    if message.visibility == "deleted":
        raise ConversationError("This message is already deleted.")
    message.visibility = _VISIBILITY[action]
    entry = ModerationAction(message_id=message.id, user_id=user.id, action=action, reason=reason,
                             comment=(comment or "").strip() or None)
    db.session.add(entry)
    audit.record(f"moderation.{action}", message, user=user, reason=reason)
    refresh_classification([message.conversation_id])
    db.session.commit()
    events.publish("conversation.updated", conversation_id=message.conversation_id, message_id=message.id)
    return entry
