"""Helpers shared by tests."""
import json

from inbox.blueprints.api import sign


def post_signed(client, channel, payload, secret=None, headers=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    all_headers = {"Content-Type": "application/json",
                   "X-Parvis-Signature": sign(secret or channel.signing_secret, body)}
    all_headers.update(headers or {})
    return client.post(f"/api/v1/channels/{channel.id}/messages", data=body, headers=all_headers)


def login(client, user, password="correct horse battery"):
    return client.post("/login", data={"email": user.email, "password": password})
