"""The interface every network connector implements, and the HTTP plumbing they share.

A connector turns a network's payloads into Parvis's inbound message shape (`parse_inbound`
for pushed webhooks, `poll` for networks without push), sends replies, and hides / unhides /
deletes messages where the network allows. Every HTTP call goes through `Connector.http`,
which honours the network's rate limits (429 and its rate headers, remembered per channel in
Redis so that every worker waits) and retries idempotent calls with exponential backoff.
"""
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from datetime import datetime

import redis
import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..services import outbound

log = logging.getLogger(__name__)
MODERATION_ACTIONS = ("hide", "unhide", "delete")


class DeliveryError(Exception):
    """The network refused or did not answer; worth retrying."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (bad configuration, rejected content, unsupported action)."""


class RateLimited(DeliveryError):
    """The network asked us to slow down; nothing is sent to it before `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class InvalidPayload(ValueError):
    """An inbound payload that cannot be understood (answered with a 400 naming the problem)."""


@dataclass
class InboundEvent:
    """Something that happened on the network.

    action: "message" (new or already known: ingestion is idempotent), "edit" (new text),
    "delete" (removed by its author or the network), "hide" / "unhide" (moderated on the network).
    `item` is the message in the shape of services.validation.INBOUND_MESSAGE.
    """

    action: str
    external_id: str
    item: dict | None = None
    raw: dict | None = None
    text: str | None = None
    at: datetime | None = None


@dataclass
class PollResult:
    events: list[InboundEvent] = field(default_factory=list)
    cursor: str | None = None


@dataclass
class SettingField:
    """One setting an admin fills in for a channel (secrets are encrypted at rest)."""

    name: str
    label: str
    required: bool = True
    secret: bool = False
    default: str = ""
    kind: str = "text"  # text | int | bool
    # "url" or "host": where the server connects; checked by services.outbound when saved.
    destination: str = ""


# Every connector that connects somewhere offers this switch (see services/outbound.py).
ALLOW_PRIVATE_FIELD = SettingField(
    outbound.ALLOW_SETTING, _l("Allow private or loopback addresses (1 = yes; administrators only, e.g. a server "
                               "on the local network)"), required=False, default="0", kind="bool")


class Connector:
    kind = ""
    # What this network can do; the admin page and the moderation service read these.
    can_poll = False
    can_push = False
    moderation_actions: tuple[str, ...] = ()
    fields: tuple[SettingField, ...] = ()

    def __init__(self, channel):
        self.channel = channel
        self._session = None
        # Threads of messages parsed in this batch (not in the database yet).
        self._threads: dict[str, str] = {}

    # --- the interface -------------------------------------------------------------------

    def parse_inbound(self, payload: dict) -> list[InboundEvent]:
        """Turn one pushed payload into events (raise InvalidPayload if it makes no sense)."""
        raise InvalidPayload(f"{self.kind} channels do not receive pushed payloads")

    def poll(self, cursor: str | None) -> PollResult:
        """Fetch what is new since `cursor`; return the events and the next cursor."""
        raise PermanentDeliveryError(f"{self.kind} channels are not polled")

    def send_reply(self, conversation, reply, in_reply_to) -> str | None:
        """Post `reply` on the network, at most once; return the id the network gave it."""
        raise NotImplementedError

    def check_connection(self) -> str:
        """Call the network with the configured credentials; return a description of the account."""
        raise PermanentDeliveryError(f"{self.kind} channels have nothing to check")

    def can_moderate(self, message, action: str) -> bool:
        """Whether `action` on this message can be sent to the network."""
        return action in self.moderation_actions and bool(message.external_id)

    def moderate(self, message, action: str) -> None:
        """Send hide / unhide / delete to the network."""
        if not self.can_moderate(message, action):
            raise PermanentDeliveryError(f"{self.kind} does not support {action} for this message")
        getattr(self, action)(message)

    def hide(self, message) -> None:
        raise PermanentDeliveryError(f"{self.kind} does not support hiding messages")

    def unhide(self, message) -> None:
        raise PermanentDeliveryError(f"{self.kind} does not support unhiding messages")

    def delete(self, message) -> None:
        raise PermanentDeliveryError(f"{self.kind} does not support deleting messages")

    # --- shared helpers ------------------------------------------------------------------

    def thread_of(self, external_ids) -> str | None:
        """The conversation a message answering one of these ids belongs to, if Parvis knows it."""
        for external_id in external_ids:
            if external_id and external_id in self._threads:
                return self._threads[external_id]
        return known_thread(self.channel, external_ids)

    def remember_thread(self, external_id: str, thread: str) -> None:
        self._threads[external_id] = thread

    def setting(self, name: str, default=None):
        value = (self.channel.settings or {}).get(name)
        return default if value in (None, "") else value

    def secret(self, name: str) -> str | None:
        return (self.channel.secrets or {}).get(name)

    def require(self, value, name: str):
        if not value:
            raise PermanentDeliveryError(f"the channel setting {name!r} is missing")
        return value

    @property
    def allow_private(self) -> bool:
        """Whether an administrator allowed private destinations (instance or this channel)."""
        return outbound.private_allowed(self.channel)

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            # Connections reach only checked public addresses unless private ones are allowed.
            self._session = outbound.http_session(self.allow_private)
        return self._session

    def refused(self, exc: outbound.UnsafeDestinationError, field: str | None = None) -> PermanentDeliveryError:
        """Record a refused destination (audit trail, committed with the caller's error) and
        return the error to raise: nothing was sent."""
        from ..services import audit

        log.warning("channel %s: outbound destination refused: %s", self.channel.id, exc)
        audit.record("outbound.refused", self.channel, kind=self.kind, field=field, host=exc.host,
                     address=exc.address, reason=exc.reason)
        return PermanentDeliveryError(f"{self.kind}: refused destination: {exc}")

    def rate_limit_delay(self, response: requests.Response) -> float | None:
        """Seconds to wait before the next call, read from the network's rate headers."""
        return None

    def error_message(self, response: requests.Response) -> str:
        """The network's own explanation of an error response (shown in the inbox)."""
        text = (response.text or "").strip().replace("\n", " ")
        return f"HTTP {response.status_code}: {text[:300]}" if text else f"HTTP {response.status_code}"

    def is_rate_limited(self, response: requests.Response) -> bool:
        return response.status_code == 429

    def http(self, method: str, url: str, *, idempotent: bool | None = None, **kwargs) -> requests.Response:
        """One call to the network with rate-limit handling and, for idempotent calls, retries.

        A non-idempotent call (a POST without an idempotency key) is tried once: a retry after
        a timeout could post twice, so it is left to the delivery job, which checks first.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "DELETE", "PUT")
        config = current_app.config
        attempts = config.get("CONNECTOR_HTTP_ATTEMPTS", 3) if idempotent else 1
        backoff = config.get("CONNECTOR_BACKOFF_SECONDS", 0.5)
        kwargs.setdefault("timeout", config.get("DELIVERY_TIMEOUT_SECONDS", 10))
        # Checked again right before every call (the settings may predate the guard); the session
        # then connects only to the addresses it checked itself (DNS rebinding).
        try:
            outbound.check_url(url, allow=self.allow_private)
        except outbound.UnsafeDestinationError as exc:
            raise self.refused(exc) from None
        for attempt in range(1, attempts + 1):
            self._wait_for_rate_limit()
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.RequestException as exc:
                refusal = outbound.find_refusal(exc)
                if refusal is not None:
                    raise self.refused(refusal) from None
                if attempt == attempts:
                    # Never the URL itself: its query string may carry an access token.
                    host = urlsplit(url).netloc
                    raise DeliveryError(f"{self.kind} unreachable ({host}): {type(exc).__name__}") from exc
                time.sleep(backoff * 2 ** (attempt - 1))
                continue
            delay = self.rate_limit_delay(response)
            if self.is_rate_limited(response):
                retry_after = _retry_after(response) or delay or 60.0
                self._remember_rate_limit(retry_after)
                raise RateLimited(f"{self.kind} rate limit reached ({self.error_message(response)}); "
                                  f"next call in {retry_after:.0f} s", retry_after)
            if delay:
                self._remember_rate_limit(delay)
            if response.status_code >= 500 or response.status_code in (408, 425):
                if attempt == attempts:
                    raise DeliveryError(f"{self.kind} error: {self.error_message(response)}")
                time.sleep(backoff * 2 ** (attempt - 1))
                continue
            if response.status_code >= 400:
                raise PermanentDeliveryError(f"{self.kind} refused: {self.error_message(response)}")
            return response
        raise AssertionError("unreachable")

    # Rate limits are shared by every worker: one Redis key per channel holds "not before".

    def _rate_key(self) -> str:
        return f"parvis:ratelimit:{self.channel.id}"

    def _wait_for_rate_limit(self) -> None:
        from ..redis_conn import get_redis

        try:
            until = get_redis().get(self._rate_key())
        except redis.RedisError as exc:
            log.warning("rate-limit state unavailable: %s", exc)
            return
        if until is None:
            return
        wait = float(until) - time.time()
        if wait > 0:
            raise RateLimited(f"{self.kind} rate limit: waiting {wait:.0f} s more", wait)

    def _remember_rate_limit(self, seconds: float) -> None:
        from ..redis_conn import get_redis

        try:
            get_redis().set(self._rate_key(), time.time() + seconds, ex=max(int(seconds) + 1, 1))
        except redis.RedisError as exc:
            log.warning("rate-limit state not saved: %s", exc)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


def known_thread(channel, external_ids) -> str | None:
    """The conversation key of the first of these network ids Parvis already has, if any.

    Networks give a message's parent, not always its thread: a reply to a known message joins
    that message's conversation.
    """
    from ..extensions import db
    from ..models import Conversation, Message

    ids = [i for i in external_ids if i]
    if not ids:
        return None
    rows = db.session.execute(
        db.select(Message.external_id, Conversation.external_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.channel_id == channel.id, Message.external_id.in_(ids))).all()
    found = dict(rows)
    for external_id in ids:
        if external_id in found:
            return found[external_id]
    return None


def last_inbound(reply):
    """The citizen's latest message in the reply's conversation."""
    from ..models import Message

    return (Message.query.filter(Message.conversation_id == reply.conversation_id, Message.direction == "in")
            .order_by(Message.created_at.desc(), Message.id.desc()).first())
