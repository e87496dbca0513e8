"""A small closed-loop load generator: N threads, keep-alive connections, loopback only."""
import http.client
import threading
import time
from urllib.parse import urlsplit

from .context import percentile


def run(base_url: str, requests: list[tuple[str, str, bytes, dict]], concurrency: int = 8,
        max_seconds: float = 60.0, keep_latencies: bool = False) -> dict:
    """Send (method, path, body, headers) requests as fast as answers come back.

    Bounded in count (len(requests)) and in time (max_seconds). Returns throughput and latency
    (and every latency in ms under "latencies" with keep_latencies, for `combine`).
    """
    parts = urlsplit(base_url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("the load generator only talks to loopback")
    lock = threading.Lock()
    cursor = iter(range(len(requests)))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + max_seconds

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            method, path, body, headers = requests[index]
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                status = 0
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    result = _figures(latencies, elapsed, {str(k): v for k, v in sorted(statuses.items())}, concurrency)
    if keep_latencies:
        result["latencies"] = latencies
    return result


def _figures(latencies: list[float], seconds: float, statuses: dict, concurrency: int) -> dict:
    return {"requests": len(latencies), "seconds": round(seconds, 2), "rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
            "statuses": statuses, "concurrency": concurrency}


def combine(results: list[dict]) -> dict:
    """One figure from several runs made with keep_latencies: requests over loaded seconds, and
    percentiles over every latency; "rounds" keeps each run's own rate."""
    latencies = [value for result in results for value in result["latencies"]]
    seconds = sum(result["seconds"] for result in results)
    statuses: dict[str, int] = {}
    for result in results:
        for status, count in result["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    combined = _figures(latencies, seconds, dict(sorted(statuses.items())), results[0]["concurrency"])
    combined["rounds_rps"] = [result["rps"] for result in results]
    return combined
