"""`python -m bench`: prepare data, measure every stage against a baseline from the same run.

    python -m bench                  # full: 10,000 then 1,000,000 messages
    python -m bench --scale small    # quick: 10,000 then 100,000 messages
    python -m bench --only pages     # one section (data is generated when missing)
    python -m bench --only memory    # the worker's resident memory while it classifies a stream
    python -m bench --only open_pages  # 500 open pages (live streams) beside the inbox list

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379;
the database parvis_bench is dropped and created. Results: bench/results/latest.json.
"""
import argparse
import importlib
import importlib.util
import json
import os
import platform
import sys
import time
import traceback
from datetime import datetime, timezone

from .context import RESULTS_DIR, Bench

SECTIONS = ("pages", "e2e", "ingest", "memory", "stats", "classify", "open_pages")
MAX_WORKER_PROCESSES = 4


def default_worker_processes() -> int:
    """The e2e section's worker processes: one per core, as docs/deploy.md sizes a worker host
    (each runs one inference thread), at most MAX_WORKER_PROCESSES."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKER_PROCESSES))


def _pages(bench: Bench) -> dict:
    from . import datagen, pages

    channels, users = bench.ids()
    out = {}
    datagen_info = datagen.grow(bench.baseline_dsn, bench.baseline, channels, users)
    print(f"  data: {bench.baseline:,} messages in {bench.baseline_database} ({datagen_info})", flush=True)
    datagen_info = datagen.grow(bench.dsn, bench.large, channels, users)
    print(f"  data: {bench.large:,} messages in {bench.database} ({datagen_info})", flush=True)
    out["load"] = datagen_info
    out.update(pages.measure(bench))
    return out


def _ensure_data(bench: Bench) -> None:
    from . import datagen

    channels, users = bench.ids()
    if datagen.counts(bench.dsn)[0] < bench.large:
        print(f"  data: growing to {bench.large:,} messages", flush=True)
        datagen.grow(bench.dsn, bench.large, channels, users)


def _e2e(bench: Bench) -> dict:
    from . import live

    _ensure_data(bench)
    return live.measure(bench)


def _ingest(bench: Bench) -> dict:
    from . import ingest

    _ensure_data(bench)
    return ingest.measure(bench)


def _memory(bench: Bench) -> dict:
    from . import memory

    return memory.measure(bench)  # needs the database and its channels, not the 1,000,000 messages


def _stats(bench: Bench) -> dict:
    """The stats dashboard benchmark of issue #5 (bench/stats.py), when it is there.

    It prepares its own data and prints its figures; it runs as `python -m bench.stats` with
    --scale 1.0 (full) or 0.1 (small) and its printed lines are kept in the results.
    """
    if importlib.util.find_spec("bench.stats") is None:
        print("  bench/stats.py is not there yet (issue #5): stats dashboard skipped", flush=True)
        return {"skipped": "bench/stats.py absent"}
    module = importlib.import_module("bench.stats")
    if hasattr(module, "run"):
        return module.run(bench)
    import subprocess

    scale = "1.0" if bench.scale == "full" else "0.1"
    done = subprocess.run([sys.executable, "-m", "bench.stats", "--scale", scale], env=bench.env(),
                          capture_output=True, text=True, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    for line in lines:
        print("  " + line, flush=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench.stats failed: {done.stderr[-500:]}")
    return {"output": lines}


def _classify(bench: Bench) -> dict:
    from . import classify

    _ensure_data(bench)
    return classify.measure(database_url=bench.sqlalchemy_url, redis_url=bench.redis_url)


def _open_pages(bench: Bench) -> dict:
    from . import open_pages

    _ensure_data(bench)
    return open_pages.measure(bench)


RUNNERS = {"pages": _pages, "e2e": _e2e, "ingest": _ingest, "memory": _memory, "stats": _stats,
           "classify": _classify, "open_pages": _open_pages}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("full", "small"), default="full",
                        help="full: 1,000,000 messages; small: 100,000 (the baseline is 10,000 in both)")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable)")
    parser.add_argument("--worker-processes", type=int, default=default_worker_processes(),
                        help="worker processes for the e2e section (`parvis worker --processes N`); default: "
                             "one per core, as docs/deploy.md sizes a worker host, at most "
                             f"{MAX_WORKER_PROCESSES} (here {default_worker_processes()})")
    args = parser.parse_args(argv)
    bench = Bench(scale=args.scale, worker_processes=args.worker_processes)
    sections = args.only or list(SECTIONS)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = {"command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
               "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "scale": {"baseline_messages": bench.baseline, "large_messages": bench.large},
               "machine": {"python": platform.python_version(), "cpus": _cpus()}, "sections": {}}
    print(f"Preparing {bench.database} (PostgreSQL) ...", flush=True)
    if "pages" in sections or not _database_ready(bench):
        bench.create_database()
    failed = False
    try:
        for name in sections:
            print(f"[{name}]", flush=True)
            section_started = time.perf_counter()
            load_before = os.getloadavg()[0]
            try:
                results["sections"][name] = RUNNERS[name](bench)
            except Exception as exc:  # noqa: BLE001 - report the failed section and go on with the next
                failed = True
                traceback.print_exc()
                results["sections"][name] = {"error": f"{type(exc).__name__}: {exc}"}
            finally:
                bench.stop_all()
            results["sections"][name]["seconds"] = round(time.perf_counter() - section_started, 1)
            # Other work on the machine inflates absolute times; ratios are measured side by side.
            results["sections"][name]["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    finally:
        bench.stop_all()
    results["seconds"] = round(time.perf_counter() - started, 1)
    path = RESULTS_DIR / "latest.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    from .report import table

    print(table(results))
    print(f"\nResults saved to {path}")
    return 1 if failed else 0


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _database_ready(bench: Bench) -> bool:
    """Whether the bench database exists, holds the bench's channels and is at the latest
    migration (one made by an older checkout is made again)."""
    import psycopg
    from alembic.script import ScriptDirectory

    from inbox import MIGRATIONS_DIR

    heads = set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())
    try:
        with psycopg.connect(bench.dsn) as conn:
            versions = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
            return versions == heads and conn.execute("SELECT count(*) FROM channel").fetchone()[0] > 0
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(main())
