"""A loopback stand-in for a social network's reply API that misbehaves on purpose.

Like real networks, it honours the Idempotency-Key header: a replayed key returns the first
answer and publishes nothing new. Each request takes the next fault from a script:
"ok", "503", "reset" (connection closed, no answer), "timeout" (the reply IS published, but the
answer comes too late for the client), "hang" (published, then no answer until released).
"""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultyNetwork:
    def __init__(self, script=(), slow_seconds=2.0):
        self.script = list(script)
        self.slow_seconds = slow_seconds
        self.attempts: list[tuple[str, str]] = []  # (idempotency key, fault)
        self.published: dict[str, dict] = {}  # idempotency key -> the body published (once)
        self.reached: dict[str, int] = {}  # idempotency key -> requests that got past the faults
        self.release = threading.Event()
        self.lock = threading.Lock()
        network = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                key = self.headers.get("Idempotency-Key", "")
                with network.lock:
                    fault = network.script.pop(0) if network.script else "ok"
                    network.attempts.append((key, fault))
                if fault == "reset":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault == "503":
                    self._answer(503, {"error": "unavailable"})
                    return
                with network.lock:
                    network.reached[key] = network.reached.get(key, 0) + 1
                    if key not in network.published:  # a replayed key publishes nothing new
                        network.published[key] = dict(json.loads(body), network_id=f"net-{len(network.published) + 1}")
                    answer = {"external_id": network.published[key]["network_id"]}
                if fault == "timeout":
                    time.sleep(network.slow_seconds)
                elif fault == "hang":
                    network.release.wait(60)
                self._answer(200, answer)

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/replies"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
