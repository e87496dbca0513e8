"""Channels: create, configure, check and disable them; record what the network last said."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from ..connectors import CONNECTORS, DeliveryError, connector_for
from ..extensions import db
from ..models import Channel, User
from ..models.base import utcnow
from . import audit, outbound

MIN_POLL_INTERVAL = 30
MAX_POLL_INTERVAL = 86400


class ChannelError(ValueError):
    """Bad channel settings; `errors` maps each field to its problem."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _clean(kind: str, values: dict, keep_secrets: dict | None = None) -> tuple[dict, dict, dict]:
    settings, secrets, errors = {}, dict(keep_secrets or {}), {}
    for spec in CONNECTORS[kind].fields:
        value = str(values.get(spec.name) or "").strip()
        if spec.secret:
            if value:
                secrets[spec.name] = value
            elif spec.required and not secrets.get(spec.name):
                errors[spec.name] = _l("required")
            continue
        if not value:
            if spec.required:
                errors[spec.name] = _l("required")
            elif spec.default:
                settings[spec.name] = spec.default
            continue
        if spec.kind == "int" and not value.isdigit():
            errors[spec.name] = _l("must be a whole number")
            continue
        if spec.name.endswith("url") and not value.startswith(("https://", "http://")):
            errors[spec.name] = _l("must start with https://")
            continue
        settings[spec.name] = value
    _check_destinations(kind, settings, errors)
    return settings, secrets, errors


def _check_destinations(kind: str, settings: dict, errors: dict) -> None:
    """Refuse, field by field, a destination on a private or loopback address (unless allowed)."""
    if outbound.private_allowed(settings=settings):
        return
    for spec in CONNECTORS[kind].fields:
        value = settings.get(spec.name)
        if not spec.destination or not value or spec.name in errors:
            continue
        try:
            if spec.destination == "url":
                outbound.check_url(value)
            else:
                outbound.check_host(value)
        except outbound.UnsafeDestinationError as exc:
            if exc.address:
                errors[spec.name] = _l("refused: %(host)s is a private, loopback or reserved address (%(address)s); "
                                       "an administrator can allow private addresses for this channel",
                                       host=exc.host, address=exc.address)
            else:
                errors[spec.name] = _l("not a valid address")


def _interval(value) -> int:
    try:
        interval = int(value)
    except (TypeError, ValueError):
        raise ChannelError({"poll_interval_seconds": _l("must be a whole number of seconds")}) from None
    if not MIN_POLL_INTERVAL <= interval <= MAX_POLL_INTERVAL:
        raise ChannelError({"poll_interval_seconds": _l("must be between %(low)s and %(high)s seconds",
                                                        low=MIN_POLL_INTERVAL, high=MAX_POLL_INTERVAL)})
    return interval


def create_channel(kind: str, name: str, values: dict, user: User | None, poll_interval_seconds=120) -> Channel:
    if kind not in CONNECTORS:
        raise ChannelError({"kind": f"must be one of {', '.join(CONNECTORS)}"})
    name = (name or "").strip()
    settings, secrets, errors = _clean(kind, values)
    if not name:
        errors["name"] = _l("required")
    if errors:
        raise ChannelError(errors)
    secrets.setdefault("signing_secret", Channel.new_secret())
    channel = Channel(kind=kind, name=name[:120], settings=settings, secrets=secrets,
                      poll_interval_seconds=_interval(poll_interval_seconds), next_poll_at=utcnow())
    db.session.add(channel)
    db.session.flush()
    audit.record("channel.create", channel, user=user, kind=kind,
                 allow_private_network=outbound.channel_allows(settings) or None)
    db.session.commit()
    return channel


def update_channel(channel: Channel, name: str, values: dict, user: User | None, poll_interval_seconds=None) -> None:
    """Change settings; a secret left empty keeps its stored value."""
    settings, secrets, errors = _clean(channel.kind, values, keep_secrets=channel.secrets)
    if not (name or "").strip():
        errors["name"] = _l("required")
    if errors:
        raise ChannelError(errors)
    channel.name = name.strip()[:120]
    allowed_before = outbound.channel_allows(channel.settings)
    allowed_now = outbound.channel_allows(settings)
    if allowed_before != allowed_now:
        audit.record("channel.allow_private_network", channel, user=user, allowed=allowed_now)
    channel.settings = settings
    channel.secrets = secrets
    if poll_interval_seconds is not None:
        channel.poll_interval_seconds = _interval(poll_interval_seconds)
    audit.record("channel.update", channel, user=user)
    db.session.commit()


def set_enabled(channel: Channel, enabled: bool, user: User | None) -> None:
    channel.enabled = enabled
    if enabled:
        channel.next_poll_at = utcnow()
    audit.record("channel.enable" if enabled else "channel.disable", channel, user=user)
    db.session.commit()


def check_connection(channel: Channel, user: User | None = None) -> tuple[bool, str]:
    """Call the network with the stored credentials; (ok, account description or the network's error)."""
    try:
        detail = connector_for(channel).check_connection()
    except DeliveryError as exc:
        record_error(channel, str(exc))
        audit.record("channel.check", channel, user=user, ok=False)
        db.session.commit()
        return False, str(exc)
    channel.last_error = None
    channel.last_error_at = None
    audit.record("channel.check", channel, user=user, ok=True)
    db.session.commit()
    return True, detail


def record_error(channel: Channel, error: str) -> None:
    channel.last_error = error[:2000]
    channel.last_error_at = utcnow()


def schedule_next_poll(channel: Channel, delay_seconds: float | None = None) -> None:
    channel.next_poll_at = utcnow() + timedelta(seconds=delay_seconds or channel.poll_interval_seconds)
