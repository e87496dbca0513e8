"""The benchmark's load generator (bench/load.py): every request answered and counted, and
alternating rounds combined into one figure."""
import threading

from flask import Flask
from werkzeug.serving import make_server

from bench import load
from bench.context import percentile


def _server():
    app = Flask(__name__)
    seen = []

    @app.post("/ingest")
    def ingest():
        seen.append(1)
        return {"ok": True}, 201 if len(seen) % 10 else 503

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_rounds_are_counted_and_combined():
    server, seen = _server()
    url = f"http://127.0.0.1:{server.server_port}"
    posts = [("POST", "/ingest", b"{}", {"Content-Type": "application/json"})] * 40
    try:
        rounds = [load.run(url, posts[:15], 3, keep_latencies=True), load.run(url, posts[15:], 4, keep_latencies=True)]
        plain = load.run(url, posts[:5], 2)
    finally:
        server.shutdown()
    assert "latencies" not in plain and plain["requests"] == 5
    assert len(seen) == 45 and [r["requests"] for r in rounds] == [15, 25]
    assert all(len(r["latencies"]) == r["requests"] for r in rounds)
    combined = load.combine(rounds)
    latencies = rounds[0]["latencies"] + rounds[1]["latencies"]
    assert combined["requests"] == 40 and "latencies" not in combined
    assert combined["statuses"] == {"201": 36, "503": 4}  # every tenth answer was a 503
    seconds = rounds[0]["seconds"] + rounds[1]["seconds"]
    assert combined["seconds"] == round(seconds, 2) and combined["rps"] == round(40 / seconds, 1)
    assert combined["p50_ms"] == round(percentile(latencies, 50), 2)
    assert combined["p99_ms"] == round(percentile(latencies, 99), 2)
    assert combined["rounds_rps"] == [rounds[0]["rps"], rounds[1]["rps"]]
