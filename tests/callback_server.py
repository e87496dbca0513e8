"""A local HTTP server standing in for an integration's reply callback (loopback only)."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CallbackServer:
    """Records every POST; can be told to fail the next N requests with a status code."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_next = 0
        self.fail_status = 503
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if server.fail_next > 0:
                    server.fail_next -= 1
                    self.send_response(server.fail_status)
                    self.end_headers()
                    return
                server.requests.append({"headers": dict(self.headers), "body": body,
                                        "json": json.loads(body)})
                payload = json.dumps({"external_id": f"net-{len(server.requests)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/replies"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
