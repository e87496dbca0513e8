"""CPU time per signed post (issue #8): a figure that other load on the machine does not skew.

    python -m bench.ingest_cpu [N] [--bare | --floor | --floor-grouped] [--workers W --threads T]

Starts gunicorn in the ingestion benchmark's configuration on the bench database (it must
exist: run `python -m bench --scale small --only ingest` once), sends N posts (default 1,000)
after 200 warm-up posts, and prints the CPU seconds the gunicorn workers and this database's
PostgreSQL backends spent per post. --bare measures the bare Flask endpoint instead, --floor the
durable floor (bench/durable_floor.py), --floor-grouped the same with group commit; --workers and
--threads change the gunicorn configuration (default: the benchmark's, 2 workers x 4 threads).
"""
import argparse
import json
import os
import sys
import time

import psutil

from . import ingest, load
from .context import Bench, postgres_cpu


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_cpu")
    parser.add_argument("n", nargs="?", type=int, default=1000, help="posts measured (after 200 warm-up posts)")
    side = parser.add_mutually_exclusive_group()
    side.add_argument("--bare", action="store_true", help="the bare Flask echo")
    side.add_argument("--floor", action="store_true", help="the durable floor (bench/durable_floor.py)")
    side.add_argument("--floor-grouped", action="store_true", help="the durable floor with group commit")
    parser.add_argument("--workers", type=int, default=ingest.GUNICORN["workers"])
    parser.add_argument("--threads", type=int, default=ingest.GUNICORN["threads"])
    options = parser.parse_args(argv)
    n, bare, floor, grouped = options.n, options.bare, options.floor, options.floor_grouped
    bench = Bench(scale="small")
    bench.settle_pending()
    app_spec, name, env = ("wsgi:app", "cpu-ingest", {})
    if bare:
        app_spec, name = "bench.bare_app:app", "cpu-bare"
    elif floor or grouped:
        app_spec, name = ("bench.durable_floor:grouped", "cpu-floor-grouped") if grouped else (
            "bench.durable_floor:app", "cpu-floor")
        env = ingest.floor_env(bench)
    web, url = bench.gunicorn(app_spec, name, workers=options.workers, threads=options.threads, **env)
    try:
        posts = ingest._signed_posts(bench, n + 200, f"cpu{time.time_ns()}")
        if bare:
            posts = ingest.unsigned(posts)
        load.run(url, posts[:200], ingest.CONCURRENCY)
        workers = psutil.Process(web.pid).children()

        def web_cpu():
            return sum(p.cpu_times().user + p.cpu_times().system for p in workers)

        web_before, pg_before, load_before = web_cpu(), postgres_cpu(bench.database), os.getloadavg()[0]
        result = load.run(url, posts[200:], ingest.CONCURRENCY)
        web_after, pg_after = web_cpu(), postgres_cpu(bench.database)
        print(json.dumps({
            "app": app_spec, "gunicorn": {"workers": options.workers, "threads": options.threads}, "posts": n,
            "rps": result["rps"], "p50_ms": result["p50_ms"],
            "statuses": result["statuses"],
            "web_cpu_ms_per_post": round((web_after - web_before) / n * 1000, 2),
            "postgres_cpu_ms_per_post": round((pg_after - pg_before) / n * 1000, 2),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }))
    finally:
        bench.stop(web)


if __name__ == "__main__":
    main(sys.argv[1:])
