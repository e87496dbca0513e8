"""A measuring tool for one design question of issue #8: would a staged ingestion reach 0.35?

"Staged": the API would commit only the raw post (one narrow row, idempotent on channel and
external id) and answer 202; a worker would turn staged rows into messages, conversations and
cycles later. Two endpoints, run in the ingestion benchmark's gunicorn configuration:

- `bench.staged_floor:app`, the least such an endpoint does, with none of Parvis's application:
  parse the JSON body, check the HMAC (the channel's ciphertext read once per process and
  checked again inside the write, so a rotated secret or a disabled channel still takes effect at
  once), one conditional INSERT in autocommit (the channel enabled and its ciphertext unchanged,
  not already a message, ON CONFLICT DO NOTHING on the staging table; the id taken from the
  message sequence), one Redis round trip (metric, wake-up flag), answer 202.
- `bench.staged_floor:parvis`, Parvis's own application (every request hook, the real ingest view
  with its parsing, validation and signature check) with only its store step replaced by that
  INSERT and that Redis round trip.

    python -m bench.staged_floor        # the bare echo, the durable floor, Parvis and both staged
                                        # sides, side by side in 4 alternating rounds (bench.ingest)

Neither is a product path: nothing turns the staged rows into messages. The table
`bench_staged` is created in the bench database by the command. Results: docs/performance.md,
"Ingestion: a staged design, measured".
"""
import hmac
import json
import os
import sys
import threading
import time

import psycopg
import redis
from flask import Flask, jsonify, request
from psycopg.types.json import Json
from sqlalchemy.engine import make_url

from inbox.blueprints.api import SIGNATURE_HEADER, sign

TABLE = "bench_staged"
CREATE = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigint PRIMARY KEY, channel_id integer NOT NULL,"
          " external_id text NOT NULL, payload jsonb NOT NULL, received_at timestamptz NOT NULL,"
          " UNIQUE (channel_id, external_id))")
INSERT = f"""INSERT INTO {TABLE} (id, channel_id, external_id, payload, received_at)
SELECT nextval('message_id_seq'), c.id, %(external_id)s, %(payload)s, now() FROM channel c
WHERE c.id = %(channel_id)s AND c.enabled AND c.secrets = %(ciphertext)s
  AND NOT EXISTS (SELECT 1 FROM message m WHERE m.channel_id = %(channel_id)s AND m.external_id = %(external_id)s)
ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id"""

_local = threading.local()
_ciphertexts: dict[int, str | None] = {}


def _conninfo() -> str:
    return make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql").render_as_string(hide_password=False)


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(_conninfo(), autocommit=True)
    return connection


def _ciphertext(channel_id: int) -> str | None:
    if channel_id not in _ciphertexts:
        row = _connection().execute("SELECT secrets FROM channel WHERE id = %s", (channel_id,)).fetchone()
        _ciphertexts[channel_id] = row[0] if row else None
    return _ciphertexts[channel_id]


def stage(channel_id: int, item: dict, client) -> int | None:
    """The staged write of one post as received (JSON) and its announcement: the new id, or None for
    a duplicate (or a channel disabled or re-keyed since its ciphertext was read)."""
    row = _connection().execute(INSERT, {"external_id": item["external_id"], "payload": Json(item),
                                         "channel_id": channel_id, "ciphertext": _ciphertext(channel_id)}).fetchone()
    if row is None:
        return None
    pipe = client.pipeline(transaction=False)
    pipe.hincrby("parvis-staged:messages_ingested", "", 1)
    pipe.set("parvis-staged:wakeup", "1", nx=True, ex=60)
    pipe.execute()
    return row[0]


# --- the bare staged endpoint ------------------------------------------------------------------
app = Flask(__name__)
_redis = []


@app.post("/api/v1/channels/<int:channel_id>/messages")
def ingest_staged(channel_id: int):
    body = request.get_data(cache=True)
    item = json.loads(body)
    if _ciphertext(channel_id) is None or not hmac.compare_digest(
            sign(os.environ.get("PARVIS_FLOOR_SECRET", ""), body), request.headers.get(SIGNATURE_HEADER, "")):
        return jsonify({"error": "unknown channel or bad signature"}), 401
    if not _redis:
        _redis.append(redis.Redis.from_url(os.environ["REDIS_URL"]))
    staged = stage(channel_id, item, _redis[0])
    if staged is None:
        return jsonify({"external_id": item["external_id"], "status": "duplicate"}), 200
    return jsonify({"id": staged, "external_id": item["external_id"], "status": "accepted"}), 202


@app.get("/ping")
def ping():
    return "ok"


def _parvis_app():
    """Parvis's application with the ingest view's store step staged (module attributes swapped)."""
    from types import SimpleNamespace

    import inbox.blueprints.api as api
    from inbox import create_app
    from inbox.redis_conn import get_redis
    from inbox.services.ingest import _ingest_channel

    application = create_app()

    def lookup(channel_id, _item):
        ciphertext = _ciphertext(channel_id)
        enabled = ciphertext is not None
        return (_ingest_channel(channel_id, enabled, ciphertext) if enabled else None), None

    class Staged(SimpleNamespace):
        def as_dict(self):
            return dict(self.answer)

    def messages(channel, items, raws=None, found=None):
        results = []
        for index, item in enumerate(items):
            staged = stage(channel.id, raws[index], get_redis())  # the post as received
            answer = {"external_id": item["external_id"], "status": "duplicate" if staged is None else "accepted"}
            if staged is not None:
                answer["id"] = staged
            results.append(Staged(created=staged is not None, answer=answer))
        return results

    api.ingest_lookup, api.ingest_messages = lookup, messages
    return application


parvis = _parvis_app() if os.environ.get("PARVIS_STAGED_APP") == "parvis" else None


def main(argv: list[str]) -> None:
    from . import ingest
    from .context import Bench

    bench = Bench()
    with psycopg.connect(bench.dsn, autocommit=True) as conn:
        conn.execute(CREATE)
    n, warmup = 2000, 200
    bench.settle_pending()
    posts = ingest._signed_posts(bench, n + warmup, "bare")
    env = ingest.floor_env(bench)
    stamp = time.time_ns()
    sides = {
        "bare_flask": ("bench.bare_app:app", "bare-flask", ingest.unsigned(posts), {}),
        "durable_floor": ("bench.durable_floor:app", "durable-floor",
                          ingest._signed_posts(bench, n + warmup, f"f{stamp}"), env),
        "parvis": ("wsgi:app", "parvis-web-ingest", ingest._signed_posts(bench, n + warmup, f"i{stamp}"), {}),
        "staged_floor": ("bench.staged_floor:app", "staged-floor", ingest._signed_posts(bench, n + warmup, f"s{stamp}"),
                         env),
        "parvis_staged": ("bench.staged_floor:parvis", "parvis-staged",
                          ingest._signed_posts(bench, n + warmup, f"p{stamp}"), {"PARVIS_STAGED_APP": "parvis"}),
    }
    figures, _ = ingest._load_sides(bench, sides, n, warmup)
    bare = figures["bare_flask"]["rps"]
    for name, figure in figures.items():
        print(f"{name:15} {figure['rps']:9.1f} posts/s  {figure['rps'] / bare:5.2f} of bare  "
              f"statuses {figure['statuses']}  rounds {figure.get('rounds_rps')}")


if __name__ == "__main__":
    main(sys.argv[1:])
