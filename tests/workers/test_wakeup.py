"""The coalesced wake-up (issue #8): one waiting job for many posts, and everything still gets
classified exactly once."""
from rq import Queue, SimpleWorker
from sqlalchemy import select

from inbox.extensions import db
from inbox.models import Message
from inbox.services.queue import CLASSIFY_WAKEUP_KEY, QUEUE_CLASSIFY
from tests.helpers import post_signed


def test_one_waiting_wakeup_for_many_posts_classifies_all_of_them(app, client, factory, use_classifier,
                                                                  redis_client):
    channel = factory.channel()
    for i in range(6):
        assert post_signed(client, channel, factory.payload(text=f"Message {i}")).status_code == 201
    queue = Queue(QUEUE_CLASSIFY, connection=redis_client)
    assert queue.count == 1  # coalesced: one job for six messages
    SimpleWorker([queue], connection=redis_client).work(burst=True)
    assert not redis_client.exists(CLASSIFY_WAKEUP_KEY)
    rows = db.session.execute(select(Message.classify_status, Message.classification_writes)).all()
    assert rows == [("done", 1)] * 6
    # The next message finds no waiting wake-up and enqueues a new one.
    post_signed(client, channel, factory.payload(text="Encore un"))
    assert queue.count == 1 and redis_client.exists(CLASSIFY_WAKEUP_KEY)
