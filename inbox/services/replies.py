"""Staff replies: stored as outbound messages, then delivered by a job on the deliver queue."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Conversation, Message, User
from ..models.base import utcnow
from . import audit, composer, events, queue
from .conversations import ConversationError, note_outbound

MAX_REPLY_LENGTH = 10000


class ReplyCollision(ConversationError):
    """Someone wrote in the conversation after the agent last looked at it."""

    def __init__(self, newer: list[Message]):
        super().__init__(_l("New messages arrived in this conversation while you were writing."))
        self.newer = newer


def latest_message_id(conversation: Conversation) -> int:
    return db.session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conversation.id)) or 0


def newer_messages(conversation: Conversation, last_seen_id: int) -> list[Message]:
    return db.session.scalars(select(Message).where(Message.conversation_id == conversation.id,
                                                    Message.id > last_seen_id).order_by(Message.id)).all()


def send_reply(conversation: Conversation, user: User, body: str, *, language: str | None = None,
               last_seen_id: int | None = None, confirmed: bool = False) -> Message:
    """Store a reply as queued, commit, then enqueue its delivery.

    With `last_seen_id` (the newest message the agent had on screen), a reply is refused with
    ReplyCollision when messages arrived since, unless the agent `confirmed` after seeing them.
    """
    body = (body or "").strip()
    if not body:
        raise ConversationError(_l("The reply is empty."))
    if "\x00" in body:
        raise ConversationError(_l("The reply contains a NUL character."))
    limit = composer.reply_limit(conversation) or MAX_REPLY_LENGTH
    if len(body) > limit:
        raise ConversationError(_l("The reply is longer than %(limit)d characters, the limit of this network.", limit=limit))
    if language is not None and language not in composer.REPLY_LANGUAGES:
        raise ConversationError(_l("Unknown reply language: %(language)s", language=language))
    if last_seen_id is not None and not confirmed:
        newer = newer_messages(conversation, last_seen_id)
        if newer:
            raise ReplyCollision(newer)
    reply = Message(
        conversation=conversation, channel_id=conversation.channel_id, direction="out", language=language,
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
        raise ConversationError(_l("Only a failed reply can be sent again."))
    reply.delivery_status = "queued"
    reply.delivery_error = None
    reply.delivery_attempts = 0
    audit.record("reply.retry", reply, user=user)
    db.session.commit()
    queue.enqueue_delivery(reply.id)
    events.publish("conversation.updated", conversation_id=reply.conversation_id, reply_id=reply.id)
