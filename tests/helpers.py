"""Helpers shared by tests."""
import json
import os
import signal
import subprocess

from inbox.blueprints.api import sign


def post_signed(client, channel, payload, secret=None, headers=None, base_url=""):
    """POST a signed message: `client` is a Flask test client, or requests with `base_url`."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    all_headers = {"Content-Type": "application/json",
                   "X-Parvis-Signature": sign(secret or channel.signing_secret, body)}
    all_headers.update(headers or {})
    return client.post(f"{base_url}/api/v1/channels/{channel.id}/messages", data=body, headers=all_headers)


def login(client, user, password="correct horse battery"):
    return client.post("/login", data={"email": user.email, "password": password})


def stop_process_groups(processes) -> None:
    """SIGTERM each (process, log) started with start_new_session=True, SIGKILL the stragglers."""
    for process, _ in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process, _ in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        try:  # a stuck child left in the process group
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
