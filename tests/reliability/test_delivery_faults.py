"""Replies through a network that fails, resets, times out and hangs: retried, published once.

Counts at the end: every reply sent exactly once from the network's side (one publication per
Idempotency-Key), every reply marked sent with the network's id, nothing failed.
"""
import json
import os
import random
import signal
import subprocess
import sys

import pytest
from rq import SimpleWorker

from inbox.extensions import db
from inbox.models import Conversation, Message
from inbox.redis_conn import get_redis
from inbox.services import queue, replies
from inbox.services.queue import QUEUE_DELIVER
from tests.e2e.conftest import wait_for
from tests.helpers import post_signed
from tests.reliability.network import FaultyNetwork
from workers.sweep import sweep

REPLIES = 20


def _replies(client, factory, network, n):
    channel = factory.channel(callback_url=network.url)
    agent = factory.user()
    sent = []
    for i in range(n):
        post_signed(client, channel, factory.payload(external_id=f"in-{i}", thread_external_id=f"t-{i}"))
        conversation = Conversation.query.filter_by(external_id=f"t-{i}").one()
        sent.append(replies.send_reply(conversation, agent, f"Réponse {i}"))
    return sent


def _assert_each_published_once(network, sent):
    db.session.expire_all()
    keys = {f"parvis-reply-{r.id}" for r in sent}
    assert set(network.published) == keys
    assert [p["text"] for p in network.published.values()].count(sent[0].body) == 1
    for key in keys:
        # Parvis sends a reply again only when the network did not acknowledge it.
        unacknowledged = sum(1 for k, fault in network.attempts if k == key and fault in ("timeout", "hang"))
        assert network.reached[key] == 1 + unacknowledged, key
    for reply in sent:
        stored = db.session.get(Message, reply.id)
        assert stored.delivery_status == "sent", (stored.id, stored.delivery_status, stored.delivery_error)
        assert stored.external_id == network.published[f"parvis-reply-{reply.id}"]["network_id"]


def test_flaky_network_every_reply_published_exactly_once(app, client, factory):
    rng = random.Random(7)
    script = [rng.choice(["503", "reset", "timeout", "ok", "ok"]) for _ in range(40)]
    app.config.update(DELIVERY_RETRY_INTERVALS=[0] * 10, DELIVERY_TIMEOUT_SECONDS=0.5)
    with FaultyNetwork(script, slow_seconds=1.0) as network:
        sent = _replies(client, factory, network, REPLIES)
        # The sweeper may enqueue a delivery twice (a lost wake-up that was not lost): harmless.
        for reply in sent[:5]:
            queue.enqueue_delivery(reply.id)
        SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
        _assert_each_published_once(network, sent)
        faults = [fault for _, fault in network.attempts]
    assert {"503", "reset", "timeout"} <= set(faults)
    # A timed-out reply was published but not acknowledged: its retry replayed the same key.
    replayed = len(network.attempts) - faults.count("503") - faults.count("reset") - len(sent)
    assert replayed == faults.count("timeout") > 0
    print("flaky-network", json.dumps({"replies": len(sent), "attempts": len(network.attempts),
                                       "faults": {f: faults.count(f) for f in ("503", "reset", "timeout")},
                                       "published": len(network.published), "published_twice": 0,
                                       "replayed_keys_absorbed": replayed}))


def test_worker_killed_while_sending_is_resent_once_after_the_lease(app, client, factory, tmp_path):
    app.config.update(CLAIM_LEASE_SECONDS=1, SWEEP_PENDING_AFTER_SECONDS=0)
    with FaultyNetwork(["hang"]) as network:
        (reply,) = _replies(client, factory, network, 1)
        get_redis(app).flushdb()  # the queued job is dropped: this test runs the delivery by hand
        env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
                   SECRET_KEY=app.config["SECRET_KEY"], PARVIS_INSTANCE=str(tmp_path / "deliverer"))
        process = subprocess.Popen(
            [sys.executable, "-c", f"from workers.deliver import deliver_reply; deliver_reply({reply.id})"],
            env=env, start_new_session=True)
        try:
            wait_for(lambda: network.attempts, timeout=30, message="the delivery to reach the network")
        finally:
            os.killpg(process.pid, signal.SIGKILL)  # killed after the network published, before "sent"
            process.wait()
        db.session.expire_all()
        assert db.session.get(Message, reply.id).delivery_status == "sending"
        wait_for(lambda: sweep()["deliveries_requeued"] == 1, timeout=10, message="the sweeper to requeue")
        SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
        _assert_each_published_once(network, [reply])
    assert len(network.attempts) == 2


@pytest.mark.parametrize("status", [400, 422])
def test_a_refused_reply_is_failed_visibly_and_not_retried(app, client, factory, status):
    from tests.callback_server import CallbackServer

    app.config.update(DELIVERY_RETRY_INTERVALS=[0] * 5)
    with CallbackServer() as callback:
        callback.fail_next, callback.fail_status = 10, status
        channel = factory.channel(callback_url=callback.url)
        post_signed(client, channel, factory.payload())
        reply = replies.send_reply(Conversation.query.one(), factory.user(), "Bonjour")
        SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
        assert callback.fail_next == 9  # one attempt only: retrying cannot help
    db.session.expire_all()
    failed = db.session.get(Message, reply.id)
    assert failed.delivery_status == "failed" and str(status) in failed.delivery_error
