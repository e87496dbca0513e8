"""Redis dies (all its data lost) during a stream of ingestion, then comes back.

The API keeps answering 201 (messages are committed before any wake-up), the worker reconnects,
and the sweeper re-enqueues what the lost queue forgot. Counts: every message once, classified once.
"""
import json
import time

from tests.e2e.conftest import wait_for
from tests.helpers import post_signed
from tests.reliability.processes import (
    TEXTS, PrivateRedis, assert_each_message_once_and_classified_once, count, elapsed, start_worker, stop,
)


def _post(client, factory, channel, prefix, n, sent):
    for start in range(0, n, 10):
        items = [factory.payload(external_id=f"{prefix}-{i}", text=f"{TEXTS[i % len(TEXTS)]} ({prefix} {i})")
                 for i in range(start, min(n, start + 10))]
        response = post_signed(client, channel, items)
        assert response.status_code == 201, response.get_json()
        sent.update(item["external_id"] for item in items)


def test_redis_outage_during_ingestion_loses_and_doubles_nothing(app, client, factory, tmp_path):
    channel = factory.channel()
    sent: set[str] = set()
    with PrivateRedis(tmp_path) as private_redis:
        app.config["REDIS_URL"] = private_redis.url
        app.extensions["parvis_redis"] = None
        worker = start_worker(app, tmp_path, "redis-outage", batch=8, lease=5)
        try:
            _post(client, factory, channel, "before", 60, sent)
            wait_for(lambda: count("done") > 0, timeout=120, message="the worker to start classifying")
            private_redis.kill()  # SIGKILL, no persistence: the queue and the wake-up marker are gone
            down = time.monotonic()
            _post(client, factory, channel, "during", 100, sent)  # the API keeps accepting
            accepted_while_down = elapsed(down)
            time.sleep(2)
            private_redis.start()  # empty
            restarted = time.monotonic()
            _post(client, factory, channel, "after", 40, sent)
            wait_for(lambda: count("done") == 200, timeout=180, interval=0.5, message="every message classified")
            caught_up = elapsed(restarted)
        finally:
            stop(worker)
    figures = assert_each_message_once_and_classified_once(sent)
    figures.update(outage_ingest_seconds=accepted_while_down, caught_up_seconds_after_restart=caught_up)
    print("redis-outage", json.dumps(figures))
    assert figures["lost"] == figures["duplicated"] == figures["classified_twice"] == 0
