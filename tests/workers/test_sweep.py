"""The sweeper recovers what the queue lost."""
from datetime import timedelta

from inbox.extensions import db
from inbox.models import Conversation, Message
from inbox.models.base import utcnow
from inbox.services import replies
from inbox.services.queue import CLASSIFY_WAKEUP_KEY, QUEUE_CLASSIFY, QUEUE_DELIVER
from tests.helpers import post_signed
from workers.sweep import sweep


def test_sweep_wakes_the_classifier_for_messages_ingested_while_redis_was_down(app, client, factory, redis_client):
    channel = factory.channel()
    post_signed(client, channel, factory.payload())
    redis_client.flushdb()  # the wake-up job was lost with Redis
    assert sweep()["pending"] == 0  # too recent: it may still be in flight
    db.session.execute(db.update(Message).values(received_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    redis_client.set(CLASSIFY_WAKEUP_KEY, "1")  # a stale marker must not block the recovery
    result = sweep()
    assert result["pending"] == 1
    assert redis_client.llen(f"rq:queue:{QUEUE_CLASSIFY}") == 1


def test_sweep_requeues_lost_and_abandoned_deliveries(app, client, factory, redis_client):
    channel = factory.channel()
    post_signed(client, channel, factory.payload())
    user = factory.user()
    lost = replies.send_reply(Conversation.query.one(), user, "première")
    abandoned = replies.send_reply(Conversation.query.one(), user, "seconde")
    redis_client.flushdb()
    old = utcnow() - timedelta(minutes=10)
    db.session.execute(db.update(Message).where(Message.id == lost.id).values(created_at=old))
    db.session.execute(db.update(Message).where(Message.id == abandoned.id).values(
        created_at=old, delivery_status="sending", claimed_at=old, delivery_attempts=1))
    db.session.commit()
    assert sweep()["deliveries_requeued"] == 2
    assert redis_client.llen(f"rq:queue:{QUEUE_DELIVER}") == 2
    db.session.expire_all()
    assert db.session.get(Message, abandoned.id).delivery_status == "queued"
