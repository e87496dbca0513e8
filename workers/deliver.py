"""Delivery jobs: post staff replies back to the network, never twice, failures visible."""
import logging

from rq import get_current_job
from sqlalchemy import select, update

from inbox.connectors import DeliveryError, PermanentDeliveryError, connector_for
from inbox import observability
from inbox.extensions import db
from inbox.models import Message, ModerationAction
from inbox.models.base import utcnow
from inbox.services import events, moderation

from .app import app_context

log = logging.getLogger(__name__)


def _last_inbound_external_id(reply: Message) -> str | None:
    return db.session.scalar(
        select(Message.external_id).where(
            Message.conversation_id == reply.conversation_id, Message.direction == "in",
            Message.created_at <= reply.created_at)
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(1))


def _retries_left() -> int:
    job = get_current_job()
    return job.retries_left or 0 if job is not None else 0


def deliver_reply(message_id: int) -> str:
    """Job: deliver one outbound reply through its channel's connector."""
    with app_context():
        reply = db.session.get(Message, message_id)
        if reply is None or reply.direction != "out":
            return "missing"
        # Claim the delivery atomically: a duplicate job finds it "sending" or "sent" and stops.
        claimed = db.session.execute(
            update(Message).where(Message.id == message_id, Message.delivery_status == "queued")
            .values(delivery_status="sending", claimed_at=utcnow(),
                    delivery_attempts=Message.delivery_attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not claimed:
            return f"not queued ({reply.delivery_status})"
        db.session.refresh(reply)
        try:
            external_id = connector_for(reply.conversation.channel).send_reply(
                reply.conversation, reply, _last_inbound_external_id(reply))
        except PermanentDeliveryError as exc:
            _fail(reply, str(exc), final=True)
            return "failed"
        except DeliveryError as exc:
            final = _retries_left() == 0
            _fail(reply, str(exc), final=final)
            if final:
                return "failed"
            raise
        reply.delivery_status = "sent"
        reply.delivery_error = None
        reply.delivered_at = utcnow()
        if external_id:
            reply.external_id = external_id
        db.session.commit()
        events.publish("conversation.updated", conversation_id=reply.conversation_id, reply_id=reply.id)
        return "sent"


def _fail(reply: Message, error: str, final: bool) -> None:
    log.warning("delivery of reply %s failed (final=%s): %s", reply.id, final, error)
    observability.count("delivery_failures", final=str(final).lower())
    reply.delivery_error = error[:2000]
    reply.delivery_status = "failed" if final else "queued"
    db.session.commit()
    events.publish("conversation.updated", conversation_id=reply.conversation_id, reply_id=reply.id)


def deliver_moderation(action_id: int) -> str:
    """Job: send a hide / unhide / delete to the network, claimed like a reply (never twice at once)."""
    with app_context():
        claimed = db.session.execute(
            update(ModerationAction)
            .where(ModerationAction.id == action_id, ModerationAction.delivery_status == "queued")
            .values(delivery_status="sending", claimed_at=utcnow(),
                    delivery_attempts=ModerationAction.delivery_attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        entry = db.session.get(ModerationAction, action_id)
        if entry is None:
            return "missing"
        if not claimed:
            return f"not queued ({entry.delivery_status})"
        message = entry.message
        try:
            connector_for(message.conversation.channel).moderate(message, moderation.network_action(entry))
        except PermanentDeliveryError as exc:
            _fail_moderation(entry, str(exc), final=True)
            return "failed"
        except DeliveryError as exc:
            final = _retries_left() == 0
            _fail_moderation(entry, str(exc), final=final)
            if final:
                return "failed"
            raise
        entry.delivery_status = "sent"
        entry.delivery_error = None
        entry.delivered_at = utcnow()
        db.session.commit()
        events.publish("conversation.updated", conversation_id=message.conversation_id, message_id=message.id)
        return "sent"


def _fail_moderation(entry: ModerationAction, error: str, final: bool) -> None:
    log.warning("moderation action %s failed (final=%s): %s", entry.id, final, error)
    entry.delivery_error = error[:2000]
    entry.delivery_status = "failed" if final else "queued"
    db.session.commit()
    events.publish("conversation.updated", conversation_id=entry.message.conversation_id, message_id=entry.message_id)
