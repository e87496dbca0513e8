"""Ingestion: signed API posts per second through gunicorn, against a bare Flask JSON endpoint.

A second baseline, the durable floor (bench/durable_floor.py), runs in the same gunicorn
configuration: the least any endpoint that answers after the message is committed must do.
`floor / bare` is what this machine allows a durable endpoint; `parvis / floor` is Parvis's own
overhead on top of it. The three run side by side and are loaded in alternating rounds.
"""
import json
import random
import time

from . import datagen
from .context import rss_mb

# The same gunicorn configuration for both sides.
GUNICORN = {"workers": 2, "threads": 4}
CONCURRENCY = 8
ROUNDS = 4


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


def unsigned(posts: list) -> list:
    """The same bodies as plain JSON posts to the bare echo's /ingest."""
    return [("POST", "/ingest", body, {"Content-Type": "application/json"}) for _, _, body, _ in posts]


def floor_env(bench) -> dict:
    """The durable floor's environment: the signing secret of the channel the posts go to."""
    channels, _ = bench.ids()
    return {"PARVIS_FLOOR_SECRET": bench.channel_secret(channels[-1])}


def _load_sides(bench, sides: dict, n: int, warmup: int) -> tuple[dict, dict]:
    """Start every side in the benchmark's gunicorn configuration at once, warm each up, then
    load them in ROUNDS alternating rounds (the order turning each round), so that a change in
    the machine's speed during the section (other tenants of a shared host) weighs on every
    side alike. Returns each side's combined figures and its largest worker RSS in MB."""
    from . import load

    started = {name: bench.gunicorn(app_spec, label, **GUNICORN, **env)
               for name, (app_spec, label, _, env) in sides.items()}
    with bench.running(*(process for process, _ in started.values())):
        for name, (process, url) in started.items():
            load.run(url, sides[name][2][:warmup], CONCURRENCY)
        per_round = n // ROUNDS
        rounds: dict[str, list] = {name: [] for name in sides}
        names = list(sides)
        for index in range(ROUNDS):
            for name in names[index % len(names):] + names[:index % len(names)]:
                chunk = sides[name][2][warmup + index * per_round:warmup + (index + 1) * per_round]
                rounds[name].append(load.run(started[name][1], chunk, CONCURRENCY, keep_latencies=True))
        rss = {name: max(rss_mb(process.pid, children=True)["children_rss_mb"] or [0])
               for name, (process, _) in started.items()}
    return {name: load.combine(results) for name, results in rounds.items()}, rss


def _all_created(figures: dict, side: str) -> None:
    if figures["statuses"].get("201", 0) != figures["requests"]:
        raise RuntimeError(f"{side} answers were not all 201: {figures['statuses']}")


def measure(bench) -> dict:
    n = 4000 if bench.scale == "full" else 2000
    warmup = 200
    bench.settle_pending()
    result = {"gunicorn": GUNICORN, "requests_per_side": n}

    posts = _signed_posts(bench, n + warmup, "bare")
    plain = unsigned(posts)
    sides = {
        "bare_flask": ("bench.bare_app:app", "bare-flask", plain, {}),
        "durable_floor": ("bench.durable_floor:app", "durable-floor",
                          _signed_posts(bench, n + warmup, f"floor{time.time_ns()}"), floor_env(bench)),
        "parvis": ("wsgi:app", "parvis-web-ingest", _signed_posts(bench, n + warmup, f"ingest{time.time_ns()}"), {}),
    }
    figures, rss = _load_sides(bench, sides, n, warmup)
    result.update(figures)
    result["rounds"] = ROUNDS
    _all_created(result["durable_floor"], "durable floor")
    _all_created(result["parvis"], "ingestion")
    result["memory"] = {"bare_flask_rss_mb": rss["bare_flask"], "web_rss_mb": rss["parvis"]}
    result["ratio"] = round(result["parvis"]["rps"] / result["bare_flask"]["rps"], 2)
    result["floor_ratio"] = round(result["durable_floor"]["rps"] / result["bare_flask"]["rps"], 2)
    result["parvis_to_floor"] = round(result["parvis"]["rps"] / result["durable_floor"]["rps"], 2)
    bench.settle_pending()
    return result
