"""Who may do what: session login for people, personal tokens for the JSON API."""
from datetime import timedelta
from functools import wraps

from flask import abort, g, jsonify, request
from flask_login import current_user, login_required

from .extensions import db, login_manager
from .models import ApiToken, User
from .models.base import utcnow


LAST_USED_RESOLUTION = timedelta(minutes=1)  # how often an API token's last_used_at is written


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))


def role_required(*roles: str):
    """Allow a view to signed-in users with one of these roles; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def api_error(status: int, message: str, **extra):
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


def token_required(*roles: str, scope: str = "read"):
    """Authenticate a JSON API call with `Authorization: Bearer <token>` carrying `scope`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, raw = header.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                return api_error(401, "Missing bearer token.")
            token = ApiToken.query.filter_by(token_hash=ApiToken.hash(raw.strip())).first()
            if token is None or token.revoked_at is not None or not token.user.active:
                return api_error(401, "Invalid or revoked token.")
            if roles and not token.user.has_role(*roles):
                return api_error(403, "This token's user does not have the required role.")
            if not token.has_scope(scope):
                return api_error(403, f"This token lacks the {scope!r} scope.")
            now = utcnow()
            # At most one write per token per minute: a busy integration would otherwise turn
            # every read into a write (and serialise its calls on the token's row).
            if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
                token.last_used_at = now
                db.session.commit()
            g.api_user = token.user
            return view(*args, **kwargs)

        return wrapped

    return decorator
