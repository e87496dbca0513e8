"""End to end: from the API's answer to the message classified and pushed to an open inbox page.

A real `parvis worker` (model loaded) and gunicorn run against the large bench database; a
signed-in client holds the SSE stream /events open; messages are posted at a steady rate.
Latency = time the SSE event "message.classified" for a message arrives - time its POST answered.
"""
import json
import threading
import time

import psutil
import requests

from . import datagen
from .context import USERS, login, percentile, rss_mb

RATE = 20  # messages per second


class EventListener(threading.Thread):
    """Reads the SSE stream and notes when each message's classification event arrives."""

    def __init__(self, session, url: str):
        super().__init__(daemon=True)
        self.response = session.get(url + "/events", stream=True, timeout=(5, 60))
        if self.response.status_code != 200:
            raise RuntimeError(f"/events answered {self.response.status_code}")
        self.classified: dict[int, float] = {}
        self.ready = threading.Event()
        self.stop = False

    def run(self):
        try:
            for line in self.response.iter_lines(chunk_size=1, decode_unicode=True):
                self.ready.set()
                if self.stop:
                    break
                if line and line.startswith("data: "):
                    event = json.loads(line[6:])
                    if event.get("kind") == "message.classified":
                        self.classified.setdefault(int(event["message_id"]), time.perf_counter())
        except (requests.RequestException, AttributeError):
            return  # the stream was closed at the end of the measurement


def _sample_memory(pids: dict, peaks: dict, stop: threading.Event):
    while not stop.wait(0.5):
        for name, pid in pids.items():
            try:
                proc = psutil.Process(pid)
                values = [proc.memory_info().rss] + [c.memory_info().rss for c in proc.children(recursive=True)]
            except psutil.Error:
                continue
            if name == "worker":
                peaks["worker_rss_mb"] = max(peaks.get("worker_rss_mb", 0), round(values[0] / 2**20, 1))
                if len(values) > 1:
                    peaks["work_horse_rss_mb"] = max(peaks.get("work_horse_rss_mb", 0),
                                                     round(max(values[1:]) / 2**20, 1))
            else:
                peaks["web_rss_mb"] = max(peaks.get("web_rss_mb", 0), round(max(values[1:] or [0]) / 2**20, 1))


def measure(bench, seconds: int | None = None) -> dict:
    from inbox.blueprints.api import sign

    seconds = seconds or (30 if bench.scale == "full" else 15)
    bench.settle_pending()
    web, url = bench.gunicorn("wsgi:app", "parvis-web-e2e", workers=2, threads=8)
    worker = bench.worker("bench-worker-e2e", processes=bench.worker_processes)
    with bench.running(web, worker):
        wait_for_worker(bench, worker, "bench-worker-e2e")
        listeners = [EventListener(login(url, USERS[0][0]), url)]
        for listener in listeners:
            listener.start()
            listener.ready.wait(10)
        peaks: dict = {}
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_memory, args=({"worker": worker.pid, "web": web.pid}, peaks, stop),
                                   daemon=True)
        sampler.start()
        channels, _ = bench.ids()
        secret = bench.channel_secret(channels[0])
        texts = datagen.random_texts(RATE * seconds, seed=20)
        poster = requests.Session()
        answered: dict[int, float] = {}
        prefix = f"e2e{time.time_ns()}"
        started = time.perf_counter()
        for i, text in enumerate(texts):
            due = started + i / RATE
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = json.dumps({"external_id": f"{prefix}-{i}", "kind": "comment", "text": text,
                               "created_at": "2026-11-26T09:00:00Z",
                               "author": {"external_id": f"{prefix}-a{i}", "name": "Citoyen"}}).encode()
            response = poster.post(f"{url}/api/v1/channels/{channels[0]}/messages", data=body, timeout=30,
                                   headers={"Content-Type": "application/json",
                                            "X-Parvis-Signature": sign(secret, body)})
            answered[response.json()["id"]] = time.perf_counter()
        sent_seconds = time.perf_counter() - started
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(listeners[0].classified.keys() & answered.keys()) < len(answered):
            time.sleep(0.2)
        stop.set()
        for listener in listeners:
            listener.stop = True
            listener.response.close()
        peaks.update({"worker_now": rss_mb(worker.pid, children=True)})
    seen = listeners[0].classified
    latencies = [(seen[mid] - at) * 1000 for mid, at in answered.items() if mid in seen]
    return {
        "rate": RATE, "worker_processes": bench.worker_processes, "send_seconds": round(sent_seconds, 1),
        "sent": len(answered), "received": len(latencies),
        "achieved_rate": round(len(answered) / sent_seconds, 1),
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "memory": peaks,
    }


def wait_for_worker(bench, worker, name: str, timeout: float = 180) -> None:
    """Wait until the worker has loaded the model and registered itself in Redis."""
    import redis
    from rq import Worker

    client = redis.Redis.from_url(bench.redis_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited; see bench/results/logs/{name}.log")
        # With --processes N the worker processes register as "<name>-<pid>-...".
        if any(w.name == name or w.name.startswith(name + "-") for w in Worker.all(connection=client)):
            return
        time.sleep(0.5)
    raise RuntimeError("the worker did not start in time")
