"""Ingestion: signed API posts per second through gunicorn, against a bare Flask JSON endpoint.

A second baseline, the durable floor (bench/durable_floor.py), runs in the same gunicorn
configuration: the least any endpoint that answers after the message is committed must do.
`floor / bare` is what this machine allows a durable endpoint; `parvis / floor` is Parvis's own
overhead on top of it.
"""
import json
import random
import time

from . import datagen
from .context import rss_mb

# The same gunicorn configuration for both sides.
GUNICORN = {"workers": 2, "threads": 4}
CONCURRENCY = 8


def _signed_posts(bench, n: int, prefix: str) -> list:
    from inbox.blueprints.api import sign

    channels, _ = bench.ids()
    channel_id = channels[-1]
    secret = bench.channel_secret(channel_id)
    texts = datagen.random_texts(n)
    chooser = random.Random(8)
    _, conversations = datagen.counts(bench.dsn)
    posts = []
    for i, text in enumerate(texts):
        item = {"external_id": f"{prefix}-{i}", "kind": "comment", "text": text,
                "created_at": "2026-11-26T09:00:00Z",
                "author": {"external_id": f"{prefix}-a{i % 500}", "name": f"Citoyen {i % 500}"}}
        if i % 3 == 0:  # a third of the posts continue an existing thread
            item["thread_external_id"] = f"c{chooser.randint(1, conversations)}"
        body = json.dumps(item).encode()
        posts.append(("POST", f"/api/v1/channels/{channel_id}/messages", body,
                      {"Content-Type": "application/json", "X-Parvis-Signature": sign(secret, body)}))
    return posts


def measure(bench) -> dict:
    from . import load

    n = 4000 if bench.scale == "full" else 2000
    warmup = 200
    bench.settle_pending()
    result = {"gunicorn": GUNICORN, "requests_per_side": n}

    bare, bare_url = bench.gunicorn("bench.bare_app:app", "bare-flask", **GUNICORN)
    with bench.running(bare):
        posts = _signed_posts(bench, n + warmup, "bare")
        plain = [("POST", "/ingest", body, {"Content-Type": "application/json"}) for _, _, body, _ in posts]
        load.run(bare_url, plain[:warmup], CONCURRENCY)
        result["bare_flask"] = load.run(bare_url, plain[warmup:], CONCURRENCY)
        result["memory"] = {"bare_flask_rss_mb": max(
            rss_mb(bare.pid, children=True)["children_rss_mb"] or [0])}

    channels, _ = bench.ids()
    floor, floor_url = bench.gunicorn("bench.durable_floor:app", "durable-floor", **GUNICORN,
                                      PARVIS_FLOOR_SECRET=bench.channel_secret(channels[-1]))
    with bench.running(floor):
        posts = _signed_posts(bench, n + warmup, f"floor{time.time_ns()}")
        load.run(floor_url, posts[:warmup], CONCURRENCY)
        result["durable_floor"] = load.run(floor_url, posts[warmup:], CONCURRENCY)
    if result["durable_floor"]["statuses"].get("201", 0) != result["durable_floor"]["requests"]:
        raise RuntimeError(f"durable floor answers were not all 201: {result['durable_floor']['statuses']}")

    parvis, parvis_url = bench.gunicorn("wsgi:app", "parvis-web-ingest", **GUNICORN)
    with bench.running(parvis):
        posts = _signed_posts(bench, n + warmup, f"ingest{time.time_ns()}")
        load.run(parvis_url, posts[:warmup], CONCURRENCY)
        result["parvis"] = load.run(parvis_url, posts[warmup:], CONCURRENCY)
        result["memory"]["web_rss_mb"] = max(rss_mb(parvis.pid, children=True)["children_rss_mb"] or [0])
    created = result["parvis"]["statuses"].get("201", 0)
    if created != result["parvis"]["requests"]:
        raise RuntimeError(f"ingestion answers were not all 201: {result['parvis']['statuses']}")
    result["ratio"] = round(result["parvis"]["rps"] / result["bare_flask"]["rps"], 2)
    result["floor_ratio"] = round(result["durable_floor"]["rps"] / result["bare_flask"]["rps"], 2)
    result["parvis_to_floor"] = round(result["parvis"]["rps"] / result["durable_floor"]["rps"], 2)
    bench.settle_pending()
    return result
