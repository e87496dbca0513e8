"""The one guard every outbound destination goes through (SSRF protection).

Whoever configures a channel chooses where the server connects: a reply callback, a Mastodon
instance, the Graph or YouTube API address, an IMAP or SMTP server. Pointed at 127.0.0.1,
10.x, 169.254.169.254 (cloud metadata) and the like, that would make the server call its own
network. So every destination is checked twice:

* at configuration time (`check_url` / `check_host`, from the admin form, the CLI), with an error
  naming the field;
* at connection time: the host name is resolved, every address must be public, and the socket
  is opened to one of those checked addresses, never by resolving the name again. A name that
  resolves to a public address when saved and to 127.0.0.1 later (DNS rebinding) is refused.

Refused: private, loopback, link-local, multicast, reserved, unspecified and shared (CGNAT)
addresses, and IPv6 addresses that embed one of those (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible
::a.b.c.d, 6to4 2002::/16, Teredo, NAT64 64:ff9b::/96 and 64:ff9b:1::/48).

An administrator allows private destinations per channel (its "allow_private_network" setting)
or for the whole instance (PARVIS_ALLOW_PRIVATE_DESTINATIONS=1, which also covers the alert
e-mail SMTP server). See docs/channels.md.
"""
import ipaddress
import smtplib
import socket
from urllib.parse import urlsplit

from flask import current_app
from imapclient import IMAPClient, imap4, tls
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection
from urllib3.util.timeout import _DEFAULT_TIMEOUT

ALLOW_SETTING = "allow_private_network"
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class UnsafeDestinationError(ValueError):
    """A destination that is malformed or resolves to a non-public address."""

    def __init__(self, message: str, host: str | None = None, address: str | None = None,
                 reason: str | None = None):
        super().__init__(message)
        self.host, self.address, self.reason = host, address, reason


def _truthy(value) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "on", "yes")


def instance_allows() -> bool:
    return bool(current_app.config.get("ALLOW_PRIVATE_DESTINATIONS"))


def channel_allows(settings: dict | None) -> bool:
    """Whether an administrator switched on private destinations in these channel settings."""
    return _truthy((settings or {}).get(ALLOW_SETTING))


def private_allowed(channel=None, settings: dict | None = None) -> bool:
    """Whether private destinations are allowed: instance-wide, or for this channel by an admin."""
    if instance_allows():
        return True
    if settings is None and channel is not None:
        settings = channel.settings
    return channel_allows(settings)


def _embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, compatible, 6to4, Teredo, NAT64)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def forbidden_reason(address: str) -> str | None:
    """Why this address may not be connected to, or None for a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded(ip)
        if inner is not None:
            reason = forbidden_reason(str(inner))
            return f"{reason} (embedded in {ip})" if reason else None
    for reason in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{reason}"):
            return reason.replace("_", "-")
    if not ip.is_global:
        return "not public"
    return None


def resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo for TCP (raises socket.gaierror when the name does not resolve)."""
    host = (host or "").strip("[]")
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)


def checked_addresses(host: str, port: int) -> list[tuple]:
    """The resolved addresses of host, all checked; UnsafeDestinationError if ANY is not public."""
    if not host:
        raise UnsafeDestinationError("no host", host=host)
    infos = resolve(host, port)
    for info in infos:
        address = info[4][0]
        reason = forbidden_reason(address)
        if reason:
            raise UnsafeDestinationError(
                f"destination {host!r} resolves to a private or loopback address ({address}, {reason}); "
                "an administrator can allow private addresses for this channel "
                "(setting allow_private_network) or the instance (PARVIS_ALLOW_PRIVATE_DESTINATIONS=1)",
                host=host, address=address, reason=reason)
    return infos


def connect(host: str, port: int, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None,
            allow: bool = False, socket_options=None) -> socket.socket:
    """Open a TCP connection to host, to one of its checked addresses (never re-resolved)."""
    if timeout is socket._GLOBAL_DEFAULT_TIMEOUT:
        timeout = _DEFAULT_TIMEOUT
    if allow:
        return urllib3_connection.create_connection((host.strip("[]"), port), timeout, source_address,
                                                    socket_options)
    error = None
    for family, _type, _proto, _name, sockaddr in checked_addresses(host, port):
        try:
            # An IP literal: create_connection does no further DNS lookup.
            return urllib3_connection.create_connection((sockaddr[0], port), timeout, source_address,
                                                        socket_options)
        except OSError as exc:
            error = exc
    raise error or OSError(f"no address for {host!r}")


def check_host(host: str, port: int = 0, allow: bool = False, require_resolution: bool = False) -> str:
    """Configuration-time check of a host name; a name that does not resolve yet is accepted unless
    `require_resolution` (it is checked again at every connection)."""
    host = (host or "").strip()
    if not host or any(c in host for c in "/@ \t\r\n"):
        raise UnsafeDestinationError(f"not a host name: {host!r}", host=host)
    if allow:
        return host
    try:
        checked_addresses(host, port or 0)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        if isinstance(exc, UnsafeDestinationError):
            raise
        if require_resolution:
            raise UnsafeDestinationError(f"host {host!r} does not resolve: {exc}", host=host) from None
    return host


def check_url(url: str, allow: bool = False, require_resolution: bool = False) -> str:
    """Configuration- and request-time check of an http(s) URL."""
    try:
        parts = urlsplit(url or "")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeDestinationError(f"not a valid URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestinationError(f"URL must be an http(s) URL with a host: {url!r}")
    if parts.username or parts.password:
        raise UnsafeDestinationError("URL must not carry credentials")
    check_host(parts.hostname, port, allow=allow, require_resolution=require_resolution)
    return url


def find_refusal(exc: BaseException | None) -> UnsafeDestinationError | None:
    """The UnsafeDestinationError behind an exception raised by requests / urllib3 / a client."""
    seen = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, UnsafeDestinationError):
            return current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
    return None


# --- HTTP (requests): the connection pool opens sockets through `connect` -----------------------

class _GuardedConnectionMixin:
    def _new_conn(self) -> socket.socket:
        try:
            sock = connect(self._dns_host, self.port, self.timeout, self.source_address,
                           socket_options=self.socket_options)
        except UnsafeDestinationError as exc:
            raise NewConnectionError(self, f"Refused: {exc}") from exc
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(self, f"Connection to {self.host} timed out.") from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        return sock


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections only reach checked public addresses (TLS still
    verifies the certificate against the host name)."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool,
                                                   "https": GuardedHTTPSConnectionPool}


def http_session(allow: bool):
    import requests

    session = requests.Session()
    if not allow:
        adapter = GuardedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


# --- SMTP -------------------------------------------------------------------------------------------

class GuardedSMTP(smtplib.SMTP):
    def _get_socket(self, host, port, timeout):
        return connect(host, port, timeout, self.source_address)


class GuardedSMTP_SSL(smtplib.SMTP_SSL, GuardedSMTP):
    """SMTP_SSL._get_socket wraps what GuardedSMTP._get_socket opened (SNI uses the host name)."""


def smtp_client(host: str, port: int, *, implicit_tls: bool = False, timeout: float = 30, context=None,
                allow: bool = False) -> smtplib.SMTP:
    if implicit_tls:
        cls = smtplib.SMTP_SSL if allow else GuardedSMTP_SSL
        return cls(host, port, timeout=timeout, context=context)
    cls = smtplib.SMTP if allow else GuardedSMTP
    return cls(host, port, timeout=timeout)


# --- IMAP (imapclient) --------------------------------------------------------------------------

class _GuardedIMAP4(imap4.IMAP4WithTimeout):
    def _create_socket(self, timeout=None):
        return connect(self.host, self.port, timeout if timeout is not None else self._timeout)


class _GuardedIMAP4_TLS(tls.IMAP4_TLS):
    def _create_socket(self, timeout=None):
        sock = connect(self.host, self.port, timeout if timeout is not None else self._timeout)
        return tls.wrap_socket(sock, self.ssl_context, self.host)


class GuardedIMAPClient(IMAPClient):
    def _create_IMAP4(self):
        connect_timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            return _GuardedIMAP4_TLS(self.host, self.port, self.ssl_context, connect_timeout)
        return _GuardedIMAP4(self.host, self.port, connect_timeout)


def imap_client(host: str, port: int, *, use_ssl: bool, timeout: float = 30, allow: bool = False) -> IMAPClient:
    cls = IMAPClient if allow else GuardedIMAPClient
    return cls(host, port=port, ssl=use_ssl, timeout=timeout)
