"""Personal API tokens: each person sees and revokes their own; admins see and revoke all."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..extensions import db
from ..models import ApiToken
from ..services import audit

bp = Blueprint("account", __name__, url_prefix="/account")


class RevokeForm(FlaskForm):
    """Only the CSRF token."""


def _visible_tokens():
    query = ApiToken.query.order_by(ApiToken.revoked_at.isnot(None), ApiToken.created_at.desc())
    if current_user.role != "admin":
        query = query.filter(ApiToken.user_id == current_user.id)
    return query.all()


@bp.route("/tokens")
@login_required
def tokens():
    """List API tokens with their scopes and last use."""
    return render_template("account/tokens.html", tokens=_visible_tokens(), form=RevokeForm())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Revoke a token at once (one's own, or any for an admin)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    if token.user_id != current_user.id and current_user.role != "admin":
        abort(403)
    if not RevokeForm().validate_on_submit():
        abort(400)
    token.revoke()
    audit.record("token.revoke", token, owner=token.user_id)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("account.tokens")), 303
