"""Delivering replies through the generic API channel's signed callback, with a real RQ worker."""
import pytest
from rq import SimpleWorker

from inbox.blueprints.api import sign
from inbox.extensions import db
from inbox.models import Conversation, Message
from inbox.redis_conn import get_redis
from inbox.services import replies
from inbox.services.queue import QUEUE_DELIVER
from tests.callback_server import CallbackServer
from tests.helpers import post_signed
from workers.deliver import deliver_reply


@pytest.fixture
def callback():
    with CallbackServer() as server:
        yield server


def _reply(client, factory, callback, text="Merci, c'est transmis."):
    channel = factory.channel(callback_url=callback.url)
    post_signed(client, channel, factory.payload(external_id="in-1"))
    conversation = Conversation.query.one()
    return channel, replies.send_reply(conversation, factory.user(), text)


def test_real_worker_delivers_a_signed_callback_once(app, client, factory, callback):
    channel, reply = _reply(client, factory, callback)
    worker = SimpleWorker([QUEUE_DELIVER], connection=get_redis(app))
    worker.work(burst=True)
    assert len(callback.requests) == 1
    request = callback.requests[0]
    assert request["json"]["text"] == "Merci, c'est transmis."
    assert request["json"]["in_reply_to"] == "in-1"
    assert request["headers"]["X-Parvis-Signature"] == sign(channel.signing_secret, request["body"])
    assert request["headers"]["Idempotency-Key"] == f"parvis-reply-{reply.id}"
    db.session.expire_all()
    sent = db.session.get(Message, reply.id)
    assert sent.delivery_status == "sent" and sent.external_id == "net-1" and sent.delivered_at


def test_a_second_job_for_the_same_reply_posts_nothing(app, client, factory, callback):
    _, reply = _reply(client, factory, callback)
    assert deliver_reply(reply.id) == "sent"
    assert deliver_reply(reply.id).startswith("not queued")
    assert len(callback.requests) == 1


def test_transient_failures_are_retried_by_rq_then_sent_once(app, client, factory, callback):
    app.config["DELIVERY_RETRY_INTERVALS"] = [0, 0, 0]
    _, reply = _reply(client, factory, callback)
    callback.fail_next = 2
    SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
    db.session.expire_all()
    sent = db.session.get(Message, reply.id)
    assert sent.delivery_status == "sent" and sent.delivery_attempts == 3
    assert len(callback.requests) == 1


def test_failures_beyond_the_retries_end_failed(app, client, factory, callback):
    app.config["DELIVERY_RETRY_INTERVALS"] = [0]
    _, reply = _reply(client, factory, callback)
    callback.fail_next = 5
    SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
    db.session.expire_all()
    failed = db.session.get(Message, reply.id)
    assert failed.delivery_status == "failed" and failed.delivery_attempts == 2
    assert "503" in failed.delivery_error and callback.requests == []


def test_permanent_refusal_is_failed_visibly_and_can_be_retried(app, client, factory, callback):
    _, reply = _reply(client, factory, callback)
    callback.fail_next, callback.fail_status = 1, 422
    assert deliver_reply(reply.id) == "failed"
    db.session.expire_all()
    failed = db.session.get(Message, reply.id)
    assert failed.delivery_status == "failed" and "422" in failed.delivery_error
    replies.retry_delivery(failed, factory.user())
    assert deliver_reply(reply.id) == "sent"
    assert len(callback.requests) == 1


def test_unreachable_callback_fails_after_the_last_retry(app, client, factory):
    channel = factory.channel(callback_url="http://127.0.0.1:1/none")
    post_signed(client, channel, factory.payload())
    reply = replies.send_reply(Conversation.query.one(), factory.user(), "Bonjour")
    assert deliver_reply(reply.id) == "failed"  # outside a worker there are no retries left
    db.session.expire_all()
    assert "unreachable" in db.session.get(Message, reply.id).delivery_error
