"""Staff accounts and their personal API tokens."""
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from flask_login import UserMixin

from ..extensions import db
from .base import UTCDateTime, utcnow

ROLES = ("agent", "supervisor", "admin")
# What a personal API token may do: read conversations, write (reply, change status), read statistics.
TOKEN_SCOPES = ("read", "write", "stats")
DEFAULT_TOKEN_SCOPES = ("read", "write")
_hasher = PasswordHasher()


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True, nullable=False)
    name = db.Column(db.String(120), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False, default="agent")
    locale = db.Column(db.String(5), nullable=False, default="fr")
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerifyMismatchError, InvalidHashError):
            return False

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("user.id"), nullable=False, index=True)
    name = db.Column(db.String(120), nullable=False)
    token_hash = db.Column(db.String(64), unique=True, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(UTCDateTime)
    revoked_at = db.Column(UTCDateTime)
    # Space-separated subset of TOKEN_SCOPES; a token can never do more than its user's role allows.
    scopes = db.Column(db.String(200), nullable=False, default=" ".join(DEFAULT_TOKEN_SCOPES),
                       server_default=" ".join(DEFAULT_TOKEN_SCOPES))

    user = db.relationship(User)

    @property
    def scope_list(self) -> list[str]:
        return (self.scopes or "").split()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scope_list

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str, scopes=None) -> tuple["ApiToken", str]:
        """A new token and its raw value (shown once). Default scopes: read and write, plus stats for supervisors."""
        if scopes is None:
            scopes = DEFAULT_TOKEN_SCOPES + (("stats",) if user.is_supervisor else ())
        unknown = sorted(set(scopes) - set(TOKEN_SCOPES))
        if unknown or not scopes:
            raise ValueError(f"unknown or missing token scopes: {', '.join(unknown) or '(none)'}")
        ordered = " ".join(s for s in TOKEN_SCOPES if s in scopes)
        raw = "pvs_" + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.hash(raw), scopes=ordered), raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = utcnow()
