"""The ingestion benchmark's second baseline: the least a durable ingestion endpoint must do.

A bare Flask app (as bench/bare_app.py) whose one route does only the work no implementation
that answers after the message is committed can skip, with none of Parvis's application:
parse the JSON body, run Parvis's own lookup statement, check the HMAC signature, run Parvis's
own one-statement write (author when new, conversation, message, first cycle) in autocommit,
send the same Redis pipeline (metric, wake-up flag, live event), answer 201 with the ids.

The SQL is rendered once from the statements inbox/services/ingest.py builds and runs through
psycopg directly, on one autocommit connection per thread (no pool, no pre-ping, no ORM, no
request hooks, no validation). Every post is stored as a new conversation keyed on its own
external id (Parvis continues a thread for a third of the benchmark's posts; a new conversation
is the larger write). The signing secret comes from PARVIS_FLOOR_SECRET: the lookup still reads
the stored ciphertext, as Parvis does.

`bench.durable_floor:grouped` is the same work with group commit (below): python -m
bench.ingest_cpu 1000 --floor-grouped.

Not a product path: it exists so that the benchmark can say how far any durable endpoint gets
on the machine it runs on (`floor / bare`), and how much Parvis adds on top (`Parvis / floor`).
"""
import hmac
import json
import os
import threading
from datetime import datetime, timedelta, timezone

import psycopg
import redis
from flask import Flask, jsonify, request
from psycopg.types.json import Json
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from inbox.blueprints.api import SIGNATURE_HEADER, sign
from inbox.services import ingest

app = Flask(__name__)
_local = threading.local()
_url = make_url(os.environ["DATABASE_URL"])
_CONNINFO = _url.set(drivername="postgresql").render_as_string(hide_password=False)
_DIALECT = create_engine(_url).dialect  # no connection is opened
_REDIS = redis.Redis.from_url(os.environ["REDIS_URL"])
_SECRET = os.environ.get("PARVIS_FLOOR_SECRET", "")


def _compiled(statement):
    compiled = statement.compile(dialect=_DIALECT)
    return compiled.string, compiled


_LOOKUP_STATEMENT = ingest._lookup_statement(postgresql=True)
_LOOKUP_SQL, _LOOKUP = _compiled(_LOOKUP_STATEMENT)
_COLUMN = {name: index for index, name in enumerate(_LOOKUP_STATEMENT.selected_columns.keys())}
_WRITES = {new_author: _compiled(ingest._thread_statement(new_author, False)) for new_author in (True, False)}


def _connection() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(_CONNINFO, autocommit=True)
    return connection


class _Post:
    """One signed post: its body, parsed item and signature; then its answer."""

    __slots__ = ("channel_id", "body", "item", "signature", "created_at", "answer", "done")

    def __init__(self, channel_id: int):
        self.channel_id = channel_id
        self.body = request.get_data(cache=True)
        self.item = json.loads(self.body)
        self.signature = request.headers.get(SIGNATURE_HEADER, "")
        self.created_at = datetime.fromisoformat(self.item["created_at"].replace("Z", "+00:00"))
        self.answer = None
        self.done = threading.Event()

    def lookup_params(self) -> dict:
        return _LOOKUP.construct_params({
            "channel_id": self.channel_id, "external_id": self.item["external_id"],
            "conversation_key": self.item["external_id"], "author_external_id": self.item["author"]["external_id"],
            "created_at": self.created_at})

    def write(self, found):
        """(SQL, parameters) of the write, or None with the answer set (refused or duplicate)."""
        if not found[_COLUMN["enabled"]] or not hmac.compare_digest(sign(_SECRET, self.body), self.signature):
            self.answer = ({"error": "unknown channel or bad signature"}, 401)
            return None
        item, channel_id, created_at = self.item, self.channel_id, self.created_at
        if found[_COLUMN["message_id"]] is not None:
            self.answer = ({"id": found[_COLUMN["message_id"]], "external_id": item["external_id"],
                            "conversation_id": found[_COLUMN["message_conversation_id"]], "status": "duplicate"}, 200)
            return None
        author, author_id = item["author"], found[_COLUMN["author_id"]]
        rows = {
            "author": None if author_id is not None else {
                "channel_id": channel_id, "external_id": author["external_id"], "name": author.get("name"),
                "handle": author.get("handle")},
            "conversation": {
                "channel_id": channel_id, "external_id": item["external_id"], "kind": item["kind"],
                "author_id": author_id, "post_external_id": None, "post_text": None, "post_url": None,
                "status": "open", "opened_at": created_at, "waiting_since": created_at,
                "last_message_at": created_at, "last_excerpt": item["text"][:280], "message_count": 1},
            "message": {
                "channel_id": channel_id, "external_id": item["external_id"], "author_id": author_id,
                "parent_external_id": None, "direction": "in", "body": item["text"], "permalink": None,
                "created_at": created_at, "received_at": datetime.now(timezone.utc), "raw": Json(item),
                "classify_status": "pending"},
            "cycle": {
                "channel_id": channel_id, "seq": 1, "opened_at": created_at, "first_inbound_at": created_at,
                "sla_due_at": created_at + timedelta(hours=24), "sla_warn_at": created_at + timedelta(hours=18)},
        }
        params = {}
        for name, values in rows.items():
            if values is not None:
                params.update(ingest._with_defaults(name, values))
        sql, compiled = _WRITES[author_id is None]
        return sql, compiled.construct_params(params)

    def stored(self, message_id: int, conversation_id: int) -> None:
        self.answer = ({"id": message_id, "external_id": self.item["external_id"],
                        "conversation_id": conversation_id, "status": "created"}, 201)


def _announce(stored: list) -> None:
    """The metric, the wake-up flag and one live event per stored message: one Redis round trip."""
    pipe = _REDIS.pipeline(transaction=False)
    pipe.hincrby("parvis-floor:messages_ingested", "", len(stored))
    pipe.set("parvis-floor:classify-wakeup", "1", nx=True, ex=60)
    for message_id, conversation_id in stored:
        pipe.publish("parvis-floor:events", json.dumps({"kind": "message.created", "message_id": message_id,
                                                        "conversation_id": conversation_id}))
    pipe.execute()


def _reply(post: _Post):
    body, status = post.answer
    return jsonify(body), status


@app.post("/api/v1/channels/<int:channel_id>/messages")
def ingest_floor(channel_id: int):
    post = _Post(channel_id)
    connection = _connection()
    write = post.write(connection.execute(_LOOKUP_SQL, post.lookup_params()).fetchone())
    if write is not None:
        ids = connection.execute(*write).fetchone()
        _announce([ids])
        post.stored(*ids)
    return _reply(post)


@app.get("/ping")
def ping():
    return "ok"


# --- the same with group commit ----------------------------------------------------------------
# `bench.durable_floor:grouped`: the posts in flight in one process are stored together. The
# first to arrive leads: it takes every waiting post, sends their lookups in one round trip
# (psycopg pipeline mode), then their writes in one transaction and one round trip, then one
# Redis pipeline, and answers them all; the others wait. It tests whether amortising round
# trips and commits over concurrent posts raises the floor.

grouped = Flask(__name__ + ".grouped")
_waiting: list = []
_leading = threading.Lock()
_queue_lock = threading.Lock()
_grouped_connection = []  # one connection per process: only the leader uses it


def _store_group(posts: list) -> None:
    if not _grouped_connection or _grouped_connection[0].closed:
        _grouped_connection[:] = [psycopg.connect(_CONNINFO, autocommit=True)]
    connection = _grouped_connection[0]
    with connection.pipeline():
        cursors = [connection.execute(_LOOKUP_SQL, post.lookup_params()) for post in posts]
    writes = [(post, post.write(cursor.fetchone())) for post, cursor in zip(posts, cursors)]
    writes = [(post, write) for post, write in writes if write is not None]
    if not writes:
        return
    with connection.pipeline(), connection.transaction():
        cursors = [(post, connection.execute(*write)) for post, write in writes]
    stored = []
    for post, cursor in cursors:
        ids = cursor.fetchone()
        post.stored(*ids)
        stored.append(ids)
    _announce(stored)


@grouped.post("/api/v1/channels/<int:channel_id>/messages")
def ingest_grouped(channel_id: int):
    post = _Post(channel_id)
    with _queue_lock:
        _waiting.append(post)
    while not post.done.is_set():
        if not _leading.acquire(timeout=0.05):
            continue
        try:
            with _queue_lock:
                group = _waiting[:]
                _waiting.clear()
            if group:
                try:
                    _store_group(group)
                except Exception as exc:  # every post of the group gets the error, none hangs
                    for member in group:
                        member.answer = ({"error": str(exc)[:200]}, 500)
                for member in group:
                    member.done.set()
        finally:
            _leading.release()
    return _reply(post)


@grouped.get("/ping")
def grouped_ping():
    return "ok"
