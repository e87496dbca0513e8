"""Sign in, sign out, language choice."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..forms import LoginForm
from ..models import User
from ..services import audit

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _lockout_limit() -> str:
    return current_app.config["LOGIN_LOCKOUT_LIMIT"]


def _account_key() -> str:
    """Failed attempts are counted per account, whatever address they come from."""
    return "account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
@limiter.limit(_lockout_limit, key_func=_account_key, methods=["POST"],
               deduct_when=lambda response: response.status_code == 401)
def login():
    """Show the sign-in form and sign a staff member in."""
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.query.filter_by(email=form.email.data.strip().lower()).first()
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            audit.record("auth.login", user, user=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        audit.record("auth.login_failed", None, email=form.email.data.strip().lower()[:254])
        db.session.commit()
        flash(_("Wrong e-mail or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    if current_user.is_authenticated:
        audit.record("auth.logout", current_user._get_current_object())
        db.session.commit()
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language (French or English)."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
