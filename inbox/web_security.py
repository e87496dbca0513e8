"""Web hardening: security headers and CSP (Flask-Talisman), sign-in throttling (Flask-Limiter
on Redis), the client address behind trusted proxies, and clean answers when the database is down."""
from flask import abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .extensions import limiter

# No inline script or style anywhere: every script and stylesheet is a file served by us.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()", "browsing-topics": "()"}


def limiter_storage_uri(redis_url: str) -> str:
    """Flask-Limiter's storage URI for our Redis URL (the embedded server listens on a unix socket)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs: an id the database can hold (a bigger one is a 404, not a crash)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session; a request without the cookie (an API call, a signed
    webhook) gets its new empty session without building the cookie's signer first."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app) -> None:
    """Bind headers, throttling and error pages; call after the Redis URL is decided, before blueprints."""
    app.url_map.converters["int"] = DatabaseIdConverter
    app.session_interface = CookieSessionInterface()
    if app.config["TRUSTED_PROXIES"]:
        count = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "parvis-limit")
    # If Redis is down, sign-in keeps working unthrottled rather than locking everybody out.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on 429
    limiter.init_app(app)
    app.before_request(_refuse_nul_characters)
    app.register_error_handler(429, _too_many_requests)
    app.register_error_handler(OperationalError, _database_unavailable)


def _refuse_nul_characters():
    """A NUL character in a query string or form field is never legitimate (and PostgreSQL
    cannot store it): refuse the request before any view sees it."""
    values = list(request.args.values())
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += list(request.form.values())
    if any("\x00" in value for value in values):
        if _wants_json():
            response = jsonify({"error": "A parameter contains a NUL character."})
            response.status_code = 400
            return response
        abort(400, description="A parameter contains a NUL character.")
    return None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _too_many_requests(exc):
    """Too many sign-in attempts: say so, and record it in the audit trail."""
    from .extensions import db
    from .services import audit

    if request.endpoint == "auth.login":
        audit.record("auth.throttled", None, email=(request.form.get("email") or "").strip().lower()[:254])
        db.session.commit()
    if _wants_json():
        response = jsonify({"error": "Too many requests, try again later."})
    else:
        response = current_app.make_response(render_template(
            "errors/message.html", title=_("Too many attempts"),
            text=_("Too many sign-in attempts. Wait a few minutes before trying again.")))
    response.status_code = 429
    return response


def _database_unavailable(exc):
    """The database is unreachable (restart, failover): 503 with Retry-After; nothing was half-written."""
    from .extensions import db

    current_app.logger.warning("database unavailable: %s", exc)
    db.session.rollback()
    if _wants_json():
        response = jsonify({"error": "The database is temporarily unavailable, retry later."})
    else:
        # A page that needs no database (no signed-in user, no menu).
        response = current_app.make_response(render_template("errors/unavailable.html"))
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response

