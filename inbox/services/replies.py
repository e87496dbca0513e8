"""Staff replies: stored as outbound messages, then delivered by a job on the deliver queue."""
from ..extensions import db
from ..models import Conversation, Message, User
from ..models.base import utcnow
from . import audit, events, queue
from .conversations import ConversationError, note_outbound

MAX_REPLY_LENGTH = 5000


def send_reply(conversation: Conversation, user: User, body: str) -> Message:
    """Store a reply as queued, commit, then enqueue its delivery."""
    body = (body or "").strip()
    if not body:
        raise ConversationError("The reply is empty.")
    if "\x00" in body:
        raise ConversationError("The reply contains a NUL character.")
    if len(body) > MAX_REPLY_LENGTH:
        raise ConversationError(f"The reply is longer than {MAX_REPLY_LENGTH} characters.")
    reply = Message(
        conversation=conversation, channel_id=conversation.channel_id, direction="out",
        user=user, body=body, created_at=utcnow(), received_at=utcnow(), delivery_status="queued",
    )
    db.session.add(reply)
    note_outbound(conversation, reply)
    audit.record("reply.create", conversation, user=user, length=len(body))
    db.session.commit()
    queue.enqueue_delivery(reply.id)
    events.publish("conversation.updated", conversation_id=conversation.id, reply_id=reply.id)
    return reply


def retry_delivery(reply: Message, user: User) -> None:
    if reply.direction != "out" or reply.delivery_status != "failed":
        raise ConversationError("Only a failed reply can be sent again.")
    reply.delivery_status = "queued"
    reply.delivery_error = None
    reply.delivery_attempts = 0
    audit.record("reply.retry", reply, user=user)
    db.session.commit()
    queue.enqueue_delivery(reply.id)
