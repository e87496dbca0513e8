"""The sweeper: re-enqueue whatever the queue lost (Redis down at ingestion, a killed worker)."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from inbox.extensions import db
from inbox.models import Message, ModerationAction
from inbox.models.base import utcnow
from inbox.services import queue
from inbox.services.conversations import wake_snoozed

from .app import app_context
from .classify import reclaim_stale


def sweep() -> dict:
    """Job: reclaim stale claims, wake the classifier for old pending messages, requeue lost deliveries."""
    with app_context():
        config = current_app.config
        reclaimed = reclaim_stale(config["CLAIM_LEASE_SECONDS"])
        cutoff = utcnow() - timedelta(seconds=config["SWEEP_PENDING_AFTER_SECONDS"])
        pending = db.session.scalar(select(func.count()).select_from(Message).where(
            Message.classify_status == "pending", Message.received_at < cutoff))
        if pending or reclaimed:
            # The wake-up marker may be stale if its job was lost with Redis: clear it first.
            queue.get_queue(queue.QUEUE_CLASSIFY).connection.delete(queue.CLASSIFY_WAKEUP_KEY)
            queue.wake_classifier()
        lease_cutoff = utcnow() - timedelta(seconds=config["CLAIM_LEASE_SECONDS"])
        # A worker died while sending: the connector's idempotency key makes a resend safe.
        db.session.execute(update(Message).where(
            Message.direction == "out", Message.delivery_status == "sending",
            Message.claimed_at < lease_cutoff).values(delivery_status="queued", delivery_attempts=0)
            .execution_options(synchronize_session=False))
        db.session.commit()
        stuck = db.session.scalars(select(Message.id).where(
            Message.direction == "out", Message.delivery_status == "queued",
            Message.delivery_attempts == 0, Message.created_at < cutoff)).all()
        for message_id in stuck:
            queue.enqueue_delivery(message_id)
        db.session.execute(update(ModerationAction).where(
            ModerationAction.delivery_status == "sending", ModerationAction.claimed_at < lease_cutoff)
            .values(delivery_status="queued", delivery_attempts=0).execution_options(synchronize_session=False))
        db.session.commit()
        stuck_moderation = db.session.scalars(select(ModerationAction.id).where(
            ModerationAction.delivery_status == "queued", ModerationAction.delivery_attempts == 0,
            ModerationAction.created_at < cutoff)).all()
        for action_id in stuck_moderation:
            queue.enqueue_moderation(action_id)
        woken = wake_snoozed()
        return {"reclaimed": reclaimed, "pending": pending, "deliveries_requeued": len(stuck),
                "moderation_requeued": len(stuck_moderation), "unsnoozed": woken}
