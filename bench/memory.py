"""Worker memory (issues #3 and #8): a real `parvis worker`, model loaded, classifying a stream.

Target: <= 700 MB resident for the worker process with the model loaded and while it classifies.

A `parvis worker` (default options, as deployed) is started on the bench database; once it has
registered in Redis its resident memory is read (model loaded, idle). Then messages are stored
through the ingestion service in waves of random size (1 to 40, RATE messages/s on average, so
batches of every shape reach the worker), until all are classified. Reported:

    loaded_rss_mb     VmRSS of the worker, model loaded, before the first message
    peak_rss_mb       VmHWM of the worker at the end: the kernel's exact peak resident memory
                      over the process's life (not a sample), which is what the target is about
    sampled_peak_mb   the highest VmRSS seen by sampling every 0.1 s during the stream
    end_rss_mb        VmRSS once the stream is classified
    children          processes the worker forked (none expected: RQ's scheduler is a thread),
                      with their peak RSS and USS (memory only they hold)

    python -m bench --only memory
    python -m bench.memory            # the same, on its own (uses the bench database)
"""
import json
import random
import threading
import time
from datetime import datetime, timezone

import psutil

from . import datagen

RATE = 20  # messages per second, as in the e2e section
WORKER_NAME = "bench-worker-memory"


def _status_mb(pid: int, key: str) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _sample(pid: int, out: dict, stop: threading.Event) -> None:
    try:
        proc = psutil.Process(pid)
    except psutil.Error:
        return
    while not stop.wait(0.1):
        try:
            out["sampled_peak_mb"] = max(out.get("sampled_peak_mb", 0), round(proc.memory_info().rss / 2**20, 1))
            for child in proc.children(recursive=True):
                info = child.memory_full_info()
                entry = out.setdefault("children", {}).setdefault(str(child.pid), {"name": child.name()})
                entry["peak_rss_mb"] = max(entry.get("peak_rss_mb", 0), round(info.rss / 2**20, 1))
                entry["peak_uss_mb"] = max(entry.get("peak_uss_mb", 0), round(info.uss / 2**20, 1))
        except psutil.Error:
            continue


def _pending(bench) -> int:
    import psycopg

    with psycopg.connect(bench.dsn) as conn:
        return conn.execute("SELECT count(*) FROM message "
                            "WHERE classify_status IN ('pending', 'processing')").fetchone()[0]


def measure(bench, seconds: int | None = None) -> dict:
    from inbox.models import Channel
    from inbox.services.ingest import ingest_messages

    from .live import wait_for_worker

    seconds = seconds or (30 if bench.scale == "full" else 15)
    bench.settle_pending()
    worker = bench.worker(WORKER_NAME)
    result: dict = {"rate": RATE, "stream_seconds": seconds}
    with bench.running(worker):
        wait_for_worker(bench, worker, WORKER_NAME)
        time.sleep(1)  # let the start-up settle (first heartbeats, the scheduler thread)
        result["loaded_rss_mb"] = _status_mb(worker.pid, "VmRSS")
        result["loaded_hwm_mb"] = _status_mb(worker.pid, "VmHWM")
        stop = threading.Event()
        sampler = threading.Thread(target=_sample, args=(worker.pid, result, stop), daemon=True)
        sampler.start()
        texts = datagen.random_texts(RATE * seconds, seed=44)
        chooser = random.Random(44)
        prefix = f"mem{time.time_ns()}"
        app = bench.app()
        sent = 0
        started = time.perf_counter()
        with app.app_context():
            channel = Channel.query.order_by(Channel.id).first()
            while sent < len(texts):
                wave = min(chooser.randint(1, 40), len(texts) - sent)
                items = [{"external_id": f"{prefix}-{i}", "kind": "comment", "text": texts[i],
                          "created_at": datetime.now(timezone.utc),
                          "author": {"external_id": f"{prefix}-a{i}", "name": "Citoyen"}}
                         for i in range(sent, sent + wave)]
                ingest_messages(channel, items)
                sent += wave
                delay = started + sent / RATE - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and _pending(bench):
            if worker.poll() is not None:
                raise RuntimeError(f"the worker exited; see bench/results/logs/{WORKER_NAME}.log")
            time.sleep(0.5)
        result["classify_seconds"] = round(time.perf_counter() - started, 1)
        result["left_pending"] = _pending(bench)
        stop.set()
        sampler.join()
        result["sent"] = sent
        result["peak_rss_mb"] = _status_mb(worker.pid, "VmHWM")
        result["end_rss_mb"] = _status_mb(worker.pid, "VmRSS")
    result["ok"] = result["peak_rss_mb"] is not None and result["peak_rss_mb"] <= 700 and not result["left_pending"]
    return result


def main() -> None:
    import argparse

    from .context import Bench

    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    bench = Bench()
    try:
        bench.ids()
    except Exception:  # noqa: BLE001 - no bench database yet
        bench.create_database()
    try:
        result = measure(bench, args.seconds)
    finally:
        bench.stop_all()
    print(json.dumps(result, indent=2))
    print(f"worker peak resident memory {result['peak_rss_mb']} MB (target <= 700), "
          f"model loaded and idle {result['loaded_rss_mb']} MB")


if __name__ == "__main__":
    main()
