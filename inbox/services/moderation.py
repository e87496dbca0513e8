"""Moderation: hide, unhide and delete messages, each with a reason and an audit trail.

The change is made in Parvis at once; when the network can do the same (a Facebook comment,
a YouTube comment...), a job on the deliver queue sends it there, with retries, and the action
shows queued / sent / failed in the conversation.
"""
from ..connectors import PermanentDeliveryError, connector_for
from ..extensions import db
from ..models import MODERATION_REASONS, Message, ModerationAction, User
from . import audit, events, queue
from .conversations import ConversationError, refresh_classification

_VISIBILITY = {"hide": "hidden", "unhide": "visible", "delete": "deleted"}


def network_supports(message: Message, action: str) -> bool:
    try:
        return connector_for(message.conversation.channel).can_moderate(message, action)
    except PermanentDeliveryError:
        return False


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
    to_network = network_supports(message, action)
    if to_network:
        entry.delivery_status = "queued"
    db.session.add(entry)
    audit.record(f"moderation.{action}", message, user=user, reason=reason, to_network=to_network)
    refresh_classification([message.conversation_id])
    db.session.commit()
    if to_network:
        queue.enqueue_moderation(entry.id)
    events.publish("conversation.updated", conversation_id=message.conversation_id, message_id=message.id)
    return entry


def retry_delivery(entry: ModerationAction, user: User) -> None:
    """Send a moderation action the network refused or never received again."""
    if entry.delivery_status != "failed":
        raise ConversationError("Only a failed moderation action can be sent again.")
    entry.delivery_status = "queued"
    entry.delivery_error = None
    entry.delivery_attempts = 0
    audit.record("moderation.retry", entry, user=user)
    db.session.commit()
    queue.enqueue_moderation(entry.id)
