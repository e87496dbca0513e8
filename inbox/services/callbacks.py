"""Outbound callback URLs: only public http(s) hosts, unless an admin allows private addresses.

A callback pointing at 127.0.0.1, 10.x, 169.254.169.254 (cloud metadata) and the like would let
whoever configures a channel make the server call its own network (SSRF). The host is resolved
and every address it resolves to must be public.
"""
import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app


class UnsafeCallbackError(ValueError):
    """The callback URL is malformed or points to a private, loopback or reserved address."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_callback_url(url: str, allow_private: bool | None = None) -> str:
    """Return the URL if it may be called; raise UnsafeCallbackError naming the problem otherwise."""
    if allow_private is None:
        allow_private = current_app.config["ALLOW_PRIVATE_CALLBACKS"]
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeCallbackError(f"callback URL must be an http(s) URL with a host: {url!r}")
    if parts.username or parts.password:
        raise UnsafeCallbackError("callback URL must not carry credentials")
    if allow_private:
        return url
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise UnsafeCallbackError(f"callback host {parts.hostname!r} does not resolve: {exc}") from None
    for info in infos:
        address = info[4][0]
        if not _is_public(address):
            raise UnsafeCallbackError(
                f"callback host {parts.hostname!r} resolves to a private or loopback address ({address}); "
                "set PARVIS_ALLOW_PRIVATE_CALLBACKS=1 to allow it")
    return url
