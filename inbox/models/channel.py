"""Channels: where messages come from (a Facebook page, a Mastodon account, the API...)."""
import secrets

from ..extensions import db
from .base import UTCDateTime, utcnow
from .secrets import EncryptedJSON

CHANNEL_KINDS = ("api", "facebook", "instagram", "mastodon", "youtube", "email", "form")


class Channel(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False, default="api")
    name = db.Column(db.String(120), nullable=False)
    # Public settings (callback URL, account handle...).
    settings = db.Column(db.JSON, nullable=False, default=dict)
    # Secrets (signing secret, access tokens), encrypted at rest with a key derived from SECRET_KEY.
    secrets = db.Column(EncryptedJSON, nullable=False, default=dict)
    enabled = db.Column(db.Boolean, nullable=False, default=True)
    poll_cursor = db.Column(db.String(255))
    # Polling schedule (networks without push): every worker's scheduler reads these.
    poll_interval_seconds = db.Column(db.Integer, nullable=False, default=120)
    next_poll_at = db.Column(UTCDateTime)
    last_polled_at = db.Column(UTCDateTime)
    # The last error seen talking to the network (poll, check, delivery), shown to admins.
    last_error = db.Column(db.Text)
    last_error_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    @staticmethod
    def new_secret() -> str:
        return secrets.token_hex(32)

    def secret(self, name: str) -> str | None:
        return (self.secrets or {}).get(name)

    def setting(self, name: str, default=None):
        return (self.settings or {}).get(name, default)

    @property
    def signing_secret(self) -> str | None:
        return (self.secrets or {}).get("signing_secret")
