"""What checking pooled connections costs the ingestion path (inbox/db_pool.py).

    python -m bench.db_ping [N] [--pairs P]

Sends N signed posts (default 2,000, after 400 warm-up posts) through the WSGI application in
process (Flask's test client, one thread: each connection comes back to the pool between posts
at once, as under load), once with `PARVIS_DB_PING_AFTER_SECONDS=0` (a `SELECT 1` on every
checkout, SQLAlchemy's `pool_pre_ping`) and once with the default (1: only a connection idle
that long), P pairs (default 3) alternating, each side in a fresh process. Prints, per post,
the process's CPU time, the bench database's PostgreSQL backends' CPU time and the wall time,
and the ratio of the default to the baseline (`0`) in each pair. It needs the bench database:
`python -m bench --scale small --only ingest` makes it. Results: docs/performance.md,
"Ingestion: no ping for a connection in use".
"""
import argparse
import json
import logging
import os
import subprocess
import sys
import time

from .context import Bench, postgres_cpu_since, postgres_cpu_times

BASELINE, DEFAULT = "0", "1"
WARMUP = 400


def side(n: int) -> dict:
    """One side, in this process: PARVIS_DB_PING_AFTER_SECONDS is already in the environment."""
    from . import ingest

    bench = Bench(scale="small")
    os.environ.update(bench.env())
    posts = ingest._signed_posts(bench, n + WARMUP, f"ping{time.time_ns()}")
    from inbox import create_app

    app = create_app()
    logging.getLogger().handlers[:] = [logging.NullHandler()]  # no access log line per post on the terminal
    client = app.test_client()

    def send(batch):
        for _, path, body, headers in batch:
            response = client.post(path, data=body, headers=headers)
            if response.status_code not in (200, 201):
                raise SystemExit(f"{response.status_code}: {response.get_data(as_text=True)[:200]}")

    send(posts[:WARMUP])
    pg_before, cpu_before, wall_before = postgres_cpu_times(bench.database), time.process_time(), time.perf_counter()
    send(posts[WARMUP:])
    wall, cpu = time.perf_counter() - wall_before, time.process_time() - cpu_before
    pg = postgres_cpu_since(bench.database, pg_before)
    return {"ping_after_seconds": int(os.environ["PARVIS_DB_PING_AFTER_SECONDS"]), "posts": n,
            "cpu_ms": round(cpu / n * 1000, 3), "postgres_cpu_ms": round(pg / n * 1000, 3),
            "wall_ms": round(wall / n * 1000, 3)}


def _run_side(n: int, setting: str) -> dict:
    env = dict(os.environ, PARVIS_DB_PING_AFTER_SECONDS=setting)
    output = subprocess.run([sys.executable, "-m", "bench.db_ping", str(n), "--side"], env=env, check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.db_ping")
    parser.add_argument("n", nargs="?", type=int, default=2000, help="posts measured per side (after 400 warm-up posts)")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--side", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.side:
        print(json.dumps(side(options.n)))
        return
    print(f"{'pair':<5} {'ping after':>10} {'CPU ms/post':>12} {'PostgreSQL ms/post':>19} {'wall ms/post':>13}")
    for pair in range(1, options.pairs + 1):
        order = (BASELINE, DEFAULT) if pair % 2 else (DEFAULT, BASELINE)
        results = {setting: _run_side(options.n, setting) for setting in order}
        for setting in (BASELINE, DEFAULT):
            r = results[setting]
            print(f"{pair:<5} {setting + ' s':>10} {r['cpu_ms']:>12.3f} {r['postgres_cpu_ms']:>19.3f} {r['wall_ms']:>13.3f}")
        base, new = results[BASELINE], results[DEFAULT]
        print(f"{pair:<5} {'ratio':>10} {new['cpu_ms'] / base['cpu_ms']:>12.2f} "
              f"{new['postgres_cpu_ms'] / base['postgres_cpu_ms']:>19.2f} {new['wall_ms'] / base['wall_ms']:>13.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
