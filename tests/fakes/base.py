"""A fake network API on loopback: a werkzeug WSGI app in a thread, recording every request.

Subclasses route requests in `handle`; tests can make the next calls fail (`fail_next`) with any
status, body and headers (e.g. a 429 with the network's rate headers).
"""
import json
import os
import threading
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

_ROOT = Path(__file__).resolve().parents[2]


def _shared_data() -> Path:
    """PARVIS_SHARED_DATA, else ../shared/data next to the repository (or next to its worktree folder)."""
    if os.environ.get("PARVIS_SHARED_DATA"):
        return Path(os.environ["PARVIS_SHARED_DATA"])
    candidates = [_ROOT.parent / "shared" / "data", _ROOT.parent.parent / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), candidates[0])


PAYLOADS = _shared_data() / "payloads"


def payload(name: str):
    """A real payload sample from ../shared/data/payloads (never copied into the repository)."""
    return json.loads((PAYLOADS / name).read_text())


def json_response(data, status=200, headers=None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers or {}, content_type="application/json")


class FakeServer:
    def __init__(self):
        self.requests: list[dict] = []
        self._failures: list[tuple] = []
        self.lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def fail_next(self, status=503, body=None, headers=None, times=1, method=None):
        """The next `times` calls (of `method`, if given) get this answer instead of the real one."""
        for _ in range(times):
            self._failures.append((method, status, body, headers or {}))

    def calls(self, method=None, path=None) -> list[dict]:
        return [r for r in self.requests if (method is None or r["method"] == method)
                and (path is None or r["path"] == path)]

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        body = request.get_data()
        record = {"method": request.method, "path": request.path, "args": request.args.to_dict(flat=False),
                  "form": request.form.to_dict(), "headers": dict(request.headers), "body": body,
                  "json": request.get_json(silent=True)}
        with self.lock:
            failure = next((f for f in self._failures if f[0] in (None, request.method)), None)
            if failure is not None:
                self._failures.remove(failure)
                record["failed"] = failure[1]
            self.requests.append(record)
            if failure is not None:
                _, status, fail_body, headers = failure
                response = json_response(fail_body if fail_body is not None else {"error": "unavailable"},
                                         status, headers)
            else:
                response = self.handle(request, record)
        return response(environ, start_response)

    def handle(self, request: Request, record: dict) -> Response:
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
