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

Not a product path: it exists so that the benchmark can say how far any durable endpoint gets
on the machine it runs on (`floor / bare`), and how much Parvis adds on top (`Parvis / floor`).
"""
import hashlib
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

from inbox.services import ingest

app = Flask(__name__)
_local = threading.local()
_url = make_url(os.environ["DATABASE_URL"])
_CONNINFO = _url.set(drivername="postgresql").render_as_string(hide_password=False)
_DIALECT = create_engine(_url).dialect  # no connection is opened
_REDIS = redis.Redis.from_url(os.environ["REDIS_URL"])
_SECRET = os.environ.get("PARVIS_FLOOR_SECRET", "").encode()


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


@app.post("/api/v1/channels/<int:channel_id>/messages")
def ingest_floor(channel_id: int):
    body = request.get_data(cache=True)
    item = json.loads(body)
    author = item["author"]
    created_at = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
    connection = _connection()
    found = connection.execute(_LOOKUP_SQL, _LOOKUP.construct_params({
        "channel_id": channel_id, "external_id": item["external_id"], "conversation_key": item["external_id"],
        "author_external_id": author["external_id"], "created_at": created_at})).fetchone()
    given = request.headers.get("X-Parvis-Signature", "")
    if not found[_COLUMN["enabled"]] or not hmac.compare_digest(
            "sha256=" + hmac.new(_SECRET, body, hashlib.sha256).hexdigest(), given):
        return jsonify({"error": "unknown channel or bad signature"}), 401
    if found[_COLUMN["message_id"]] is not None:
        return jsonify({"id": found[_COLUMN["message_id"]], "external_id": item["external_id"],
                        "conversation_id": found[_COLUMN["message_conversation_id"]], "status": "duplicate"}), 200
    author_id = found[_COLUMN["author_id"]]
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
    message_id, conversation_id = connection.execute(sql, compiled.construct_params(params)).fetchone()
    pipe = _REDIS.pipeline(transaction=False)
    pipe.hincrby("parvis-floor:messages_ingested", "", 1)
    pipe.set("parvis-floor:classify-wakeup", "1", nx=True, ex=60)
    pipe.publish("parvis-floor:events", json.dumps({"kind": "message.created", "message_id": message_id,
                                                    "conversation_id": conversation_id}))
    pipe.execute()
    return jsonify({"id": message_id, "external_id": item["external_id"], "conversation_id": conversation_id,
                    "status": "created"}), 201


@app.get("/ping")
def ping():
    return "ok"
