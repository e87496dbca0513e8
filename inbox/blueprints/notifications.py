"""Staff notifications: @mentions, SLA warnings and breaches, crisis alerts."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import Notification
from ..services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    """My latest notifications, unread first."""
    rows = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                              .order_by(Notification.read_at.is_not(None), Notification.created_at.desc())
                              .limit(100)).all()
    return render_template("notifications/index.html", notifications=rows, text=notifications.text)


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    """Mark all my notifications as read."""
    notifications.mark_all_read(current_user)
    return redirect(url_for("notifications.index"), 303)


@bp.route("/badge")
@login_required
def badge():
    """The header's notification link and unread count (htmx live refresh)."""
    return render_template("_notifications_link.html")
