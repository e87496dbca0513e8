"""Open pages must not take the web server's threads away from everyone else.

A live-update stream (/events, server-sent events) stays open as long as its page. Under
gunicorn's gthread workers each one holds a thread, so a gthread worker keeps half of its
threads for pages and API calls and answers 503 beyond (the browser retries); the gevent
server that deployments put on /events (docs/deploy.md) holds as many as it is given.
These tests run real gunicorn processes on the test PostgreSQL and Redis.
"""
import os
import subprocess
import sys

import pytest
import requests

from bench.context import login
from bench.open_pages import Pages
from inbox.config import load_config
from inbox.services import events, live
from tests.helpers import post_signed, stop_process_groups
from tests.test_scale_out import ROOT, _free_port, _wait
from tests.conftest import POSTGRES_URL, REDIS_URL

THREADS = 4  # the gthread worker below: at most THREADS // 2 streams, the rest for other requests
PAGES = 150  # open pages on the gevent server
PASSWORD = "correct horse battery"  # the factory's


# --- the limit itself ----------------------------------------------------------------------------

GUNICORN = {"SERVER_SOFTWARE": "gunicorn/27.0.1", "wsgi.multithread": True}


def test_limit_follows_the_server(monkeypatch):
    monkeypatch.delenv(live.SERVER_THREADS_ENV, raising=False)
    # A thread per request (Werkzeug, `parvis run`): nothing to protect.
    assert live.stream_limit("auto", {"SERVER_SOFTWARE": "Werkzeug/3.1.3", "wsgi.multithread": True}) is None
    # gunicorn's sync worker: one request at a time, a stream would hold the whole process.
    assert live.stream_limit("auto", {"SERVER_SOFTWARE": "gunicorn/27.0.1", "wsgi.multithread": False}) == 0
    # gthread started with inbox/gunicorn_conf.py: half of the threads it reported.
    monkeypatch.setenv(live.SERVER_THREADS_ENV, "16")
    assert live.stream_limit("auto", GUNICORN) == 8
    monkeypatch.setenv(live.SERVER_THREADS_ENV, "1")
    assert live.stream_limit("auto", GUNICORN) == 0
    # An explicit setting wins.
    assert live.stream_limit("3", GUNICORN) == 3
    assert live.stream_limit("unlimited", GUNICORN) is None


def test_unknown_thread_count_serves_one_stream_and_says_why(monkeypatch, caplog):
    monkeypatch.delenv(live.SERVER_THREADS_ENV, raising=False)
    monkeypatch.setattr(live, "_warned", False)
    with caplog.at_level("WARNING", logger="inbox.services.live"):
        assert live.stream_limit("auto", GUNICORN) == 1
    assert "gunicorn_conf" in caplog.text and "PARVIS_SSE_MAX_STREAMS" in caplog.text


def test_a_bad_setting_is_refused_at_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    for value in ("lots", "-1", "2.5"):
        monkeypatch.setenv("PARVIS_SSE_MAX_STREAMS", value)
        with pytest.raises(ValueError, match="PARVIS_SSE_MAX_STREAMS must be auto, unlimited or a whole number"):
            load_config(str(tmp_path))
    monkeypatch.setenv("PARVIS_SSE_MAX_STREAMS", " Unlimited ")
    assert load_config(str(tmp_path))["SSE_MAX_STREAMS"] == "unlimited"


def test_slots_count_open_streams_and_refuse_past_the_limit():
    slots = live.StreamSlots()
    assert slots.acquire(2) and slots.acquire(2)
    assert not slots.acquire(2)
    slots.release()
    assert slots.acquire(2) and slots.open == 2
    assert slots.acquire(None) and slots.open == 3  # no limit


def test_a_refused_stream_gets_503_and_a_released_slot_is_reused(app, factory, client, redis_client):
    from tests.helpers import login as client_login

    app.config["SSE_MAX_STREAMS"] = "1"
    client_login(client, factory.user())
    first = client.get("/events", buffered=False)
    assert first.status_code == 200 and first.mimetype == "text/event-stream"
    assert next(first.response).startswith(b"retry: 2000")
    refused = client.get("/events", buffered=False)
    refused.close()
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    assert refused.get_data(as_text=True) == "Trop de pages en direct ouvertes sur ce serveur ; nouvel essai sous peu."
    slots = live.slots_for(app)
    assert slots.open == 1
    assert redis_client.hget("parvis:metrics:live_streams_refused", "limit=server") == b"1"
    first.close()  # the WSGI server closes the response when the browser goes away
    assert slots.open == 0
    again = client.get("/events", buffered=False)
    assert again.status_code == 200
    again.close()
    assert slots.open == 0


# --- one account's streams, across processes and hosts -------------------------------------------

def test_an_account_holds_at_most_its_cap_of_streams(redis_client):
    streams = live.UserStreams(redis_client)
    first, second = streams.take(7, 2), streams.take(7, 2)
    assert first and second and first != second
    assert streams.take(7, 2) is None and streams.held(7) == 2
    assert streams.take(8, 2) is not None  # another account has its own count
    streams.give_back(7, first)
    assert streams.held(7) == 1 and streams.take(7, 2) is not None
    # The key goes away by itself once every stream in it has certainly ended.
    ttl = redis_client.ttl(live.UserStreams.KEY.format(user_id=7))
    assert live.STREAM_SECONDS < ttl <= live.STREAM_SECONDS + live.UserStreams.SPARE_SECONDS


def test_a_stream_that_never_said_goodbye_stops_counting(redis_client):
    """A web process killed with its streams open never gives them back: they expire."""
    import time

    streams = live.UserStreams(redis_client)
    key = live.UserStreams.KEY.format(user_id=7)
    redis_client.zadd(key, {"killed-1": time.time() - 1, "killed-2": time.time() - 30})
    assert streams.held(7) == 0
    assert streams.take(7, 1) is not None
    assert redis_client.zcard(key) == 1  # the ended ones were removed


def test_no_cap_and_no_redis_let_the_stream_through(redis_client, caplog):
    import redis as redis_lib

    assert live.UserStreams(redis_client).take(7, 0) is not None
    assert redis_client.keys("parvis:live:streams:*") == []
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    unreachable = redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2,
                                  retry=Retry(NoBackoff(), 0))  # fail at once, not after retries
    with caplog.at_level("WARNING", logger="inbox.services.live"):
        assert live.UserStreams(unreachable).take(7, 1) is not None
        live.UserStreams(unreachable).give_back(7, "x")
    assert "not counted" in caplog.text and "expires by itself" in caplog.text


def test_the_cap_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("PARVIS_SSE_MAX_STREAMS_PER_USER", raising=False)
    assert load_config(str(tmp_path))["SSE_MAX_STREAMS_PER_USER"] == 20
    monkeypatch.setenv("PARVIS_SSE_MAX_STREAMS_PER_USER", " 0 ")
    assert load_config(str(tmp_path))["SSE_MAX_STREAMS_PER_USER"] == 0
    for value in ("many", "-1", "2.5", "10001"):
        monkeypatch.setenv("PARVIS_SSE_MAX_STREAMS_PER_USER", value)
        with pytest.raises(ValueError, match="PARVIS_SSE_MAX_STREAMS_PER_USER must be a whole number"):
            load_config(str(tmp_path))


def test_the_stream_status_needs_a_signed_in_user(client):
    response = client.get("/events/status")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_stream_status_without_redis_blames_no_account(app, factory, client, monkeypatch):
    """Redis down: take() lets streams through uncounted, so a refusal was never the account's."""
    import redis as redis_lib

    from tests.helpers import login as client_login

    def unreachable(self, user_id):
        raise redis_lib.ConnectionError("Redis is down")

    client_login(client, factory.user())
    monkeypatch.setattr(live.UserStreams, "held", unreachable)
    assert client.get("/events/status").get_json() == {"held": None, "cap": 20, "account_full": False}


def test_an_account_past_its_cap_gets_429(app, factory, redis_client):
    """(Another account's pages are not counted against it: tests/e2e/test_live_capacity.py.)"""
    from tests.helpers import login as client_login

    app.config["SSE_MAX_STREAMS"] = "unlimited"
    app.config["SSE_MAX_STREAMS_PER_USER"] = 2
    user = factory.user()
    tab, other_tab = app.test_client(), app.test_client()
    for client in (tab, other_tab):
        client_login(client, user)
    held = [tab.get("/events", buffered=False), other_tab.get("/events", buffered=False)]
    assert [r.status_code for r in held] == [200, 200]
    refused = tab.get("/events", buffered=False)
    refused.close()
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    assert refused.get_data(as_text=True) == ("Trop de pages en direct ouvertes avec votre compte ; "
                                              "fermez-en quelques-unes.")
    assert redis_client.hget("parvis:metrics:live_streams_refused", "limit=user") == b"1"
    assert live.slots_for(app).open == 2  # the refused one gave its process slot back
    # The refused page asks why (EventSource does not give it the status): the account is full.
    assert tab.get("/events/status").get_json() == {"held": 2, "cap": 2, "account_full": True}
    held.pop().close()  # a tab closed: its place is free again
    assert live.UserStreams(redis_client).held(user.id) == 1
    assert tab.get("/events/status").get_json() == {"held": 1, "cap": 2, "account_full": False}
    app.config["SSE_MAX_STREAMS_PER_USER"] = 0  # no cap: never the account's fault
    assert tab.get("/events/status").get_json() == {"held": 1, "cap": None, "account_full": False}
    app.config["SSE_MAX_STREAMS_PER_USER"] = 2
    again = other_tab.get("/events", buffered=False)
    assert again.status_code == 200
    for response in (again, *held):
        response.close()
    assert live.UserStreams(redis_client).held(user.id) == 0 and live.slots_for(app).open == 0


# --- real servers ------------------------------------------------------------------------------

def _start_servers(tmp_path, graceful_timeout: int = 2):
    """A gthread web server (1 worker, THREADS threads) and a gevent /events server, one config
    file: ({name: url}, [(process, log)])."""
    env = dict(os.environ, DATABASE_URL=POSTGRES_URL, REDIS_URL=REDIS_URL, SECRET_KEY="test-secret-key",
               PARVIS_INSTANCE=str(tmp_path / "instance"), PARVIS_LOG_FORMAT="json",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PARVIS_SSE_MAX_STREAMS", None)
    env["PARVIS_SSE_MAX_STREAMS_PER_USER"] = "0"  # PAGES pages of one account: server limits only here
    processes, urls = [], {}
    for name, extra in (("web", ["--threads", str(THREADS)]), ("events", ["-k", "gevent"])):
        port = _free_port()
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:inbox.gunicorn_conf", "-w", "1", *extra,
             "--graceful-timeout", str(graceful_timeout), "-b", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        processes.append((process, log))
        urls[name] = f"http://127.0.0.1:{port}"

    def up():
        try:
            return all(requests.get(u + "/login", timeout=2).status_code == 200 for u in urls.values())
        except requests.RequestException:
            return False

    try:
        _wait(up, 90, "the web and events servers", processes)
    except BaseException:
        stop_process_groups(processes)
        raise
    return urls, processes


@pytest.fixture
def servers(app, tmp_path):
    urls, processes = _start_servers(tmp_path)
    try:
        yield urls
    finally:
        stop_process_groups(processes)


def _open_stream(base_url: str, signed_in: requests.Session) -> requests.Response:
    """One open page's stream, on a connection of its own, like a browser tab."""
    tab = requests.Session()
    tab.cookies.update(signed_in.cookies)
    return tab.get(base_url + "/events", stream=True, timeout=(5, 60))


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_gthread_worker_keeps_threads_for_pages_while_pages_are_open(app, factory, servers):
    user = factory.user()
    web = servers["web"]
    session = login(web, user.email, PASSWORD)
    limit = THREADS // 2
    streams = [_open_stream(web, session) for _ in range(limit)]
    try:
        for stream in streams:
            assert stream.status_code == 200
            assert stream.raw.read(11) == b"retry: 2000"
        refused = _open_stream(web, session)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
        refused.close()
        # The threads left serve everything else at once: the inbox page, the API.
        assert session.get(web + "/", timeout=10).status_code == 200
        assert requests.get(web + "/api/v1/openapi.json", timeout=10).status_code == 200
        assert 'parvis_live_streams_refused_total{limit="server"} 1.0' in requests.get(web + "/metrics", timeout=10).text

        # A closed page gives its slot back (noticed at the stream's next write).
        streams.pop().close()

        def reopened():
            events.publish("conversation.updated", conversation_id=0)
            stream = _open_stream(web, session)
            if stream.status_code == 200:
                streams.append(stream)
                return True
            stream.close()
            return False

        _wait(reopened, 30, "the closed stream's slot to be reused")
    finally:
        for stream in streams:
            stream.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_the_gevent_events_server_holds_many_pages_and_relays_to_each(app, factory, servers, redis_client):
    user = factory.user()
    channel = factory.channel()
    session = login(servers["web"], user.email, PASSWORD)  # signed in on one server, the cookie works on both
    # More than redis-py's default pool (100 connections).
    pages = Pages(servers["events"], session, PAGES)
    try:
        assert pages.status == {200: PAGES}
        subscribed = lambda: redis_client.pubsub_numsub(events.events_channel(redis_client))[0][1]  # noqa: E731
        # One subscription for the events process, however many pages it serves (services/live.py, Hub).
        assert subscribed() == 1
        # The web server's threads are all free: a page answers at once.
        assert session.get(servers["web"] + "/", timeout=10).status_code == 200

        response = post_signed(requests.Session(), channel, factory.payload(text="Fuite de gaz rue Pasteur"),
                               base_url=servers["web"])
        assert response.status_code == 201, response.text
        marker = f'"message_id": {response.json()["id"]},'.encode()
        assert pages.wait_for(marker, timeout=30) is not None, "the new message's event missed an open page"
    finally:
        pages.close()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_stopping_server_ends_its_streams_at_once(app, factory, tmp_path):
    """A restart must not wait the graceful timeout for the open pages (docs/deploy.md: 30 s)."""
    import signal
    import time

    urls, processes = _start_servers(tmp_path, graceful_timeout=30)
    try:
        user = factory.user()
        session = login(urls["web"], user.email, PASSWORD)
        streams = [_open_stream(url, session) for url in urls.values()]
        assert [stream.raw.read(11) for stream in streams] == [b"retry: 2000"] * 2
        began = time.monotonic()
        for process, _ in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for stream in streams:  # each stream ends (end of file), then its browser reconnects
            assert stream.raw.read(1000).strip() in (b"", b"retry: 2000")
            assert stream.raw.read(1000) == b""
        for process, _ in processes:
            process.wait(timeout=30)
        assert time.monotonic() - began < 10, "a server waited for its open pages to go away"
        for stream in streams:
            stream.close()
    finally:
        stop_process_groups(processes)
