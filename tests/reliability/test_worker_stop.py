"""`systemctl stop`, `docker stop` and `kill` send one SIGTERM: the worker stops on it, idle or not,
Redis up or down, instead of starting its loop again until a SIGKILL comes."""
import os
import signal
import subprocess

import redis
from rq import Worker

from tests.e2e.conftest import wait_for
from tests.reliability.processes import PrivateRedis, start_worker, stop

STOPS_WITHIN = 15  # seconds: systemd's own patience is 90 s before its SIGKILL


def _registered(url: str) -> bool:
    connection = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(Worker.all(connection=connection))
    except redis.RedisError:
        return False
    finally:
        connection.close()


def _stopped_by_one_sigterm(worker) -> int | None:
    """The exit code after a single SIGTERM to the worker's process group, None if still running."""
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        return worker.wait(timeout=STOPS_WITHIN)
    except subprocess.TimeoutExpired:
        return None


def test_an_idle_worker_stops_on_one_sigterm(app, tmp_path):
    worker = start_worker(app, tmp_path, "stop-idle")
    try:
        wait_for(lambda: _registered(app.config["REDIS_URL"]), timeout=120, message="the worker to register")
        assert _stopped_by_one_sigterm(worker) == 0, (tmp_path / "stop-idle.log").read_text()[-2000:]
        assert not _registered(app.config["REDIS_URL"])  # it said goodbye to Redis as well
    finally:
        stop(worker, sig=signal.SIGKILL)


def test_a_worker_that_lost_redis_stops_on_one_sigterm(app, tmp_path):
    with PrivateRedis(tmp_path) as private_redis:
        worker = start_worker(app, tmp_path, "stop-no-redis", redis_url=private_redis.url)
        try:
            wait_for(lambda: _registered(private_redis.url), timeout=120, message="the worker to register")
            private_redis.kill()
            log = tmp_path / "stop-no-redis.log"
            wait_for(lambda: b"Connection refused" in log.read_bytes() or b"Error 111" in log.read_bytes(),
                     timeout=30, message="the worker to notice")
            assert _stopped_by_one_sigterm(worker) is not None, log.read_text()[-2000:]
        finally:
            stop(worker, sig=signal.SIGKILL)
