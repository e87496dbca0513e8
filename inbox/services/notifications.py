"""Notifications to staff: stored in-app first, then sent by e-mail (SMTP) when configured."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..models import Notification, User
from ..models.base import utcnow
from . import outbound

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 5


def supervisors() -> list[User]:
    return db.session.scalars(select(User).where(User.active.is_(True), User.role.in_(("supervisor", "admin")))
                              .order_by(User.id)).all()


def notify(users, kind: str, conversation_id=None, crisis_alert_id=None, **params) -> list[Notification]:
    """Add one notification per distinct active user (the caller commits)."""
    seen, created = set(), []
    for user in users:
        if user is None or not user.active or user.id in seen:
            continue
        seen.add(user.id)
        notification = Notification(user_id=user.id, kind=kind, conversation_id=conversation_id,
                                    crisis_alert_id=crisis_alert_id, params=params)
        db.session.add(notification)
        created.append(notification)
    return created


def text(notification: Notification) -> str:
    """The notification in the current locale."""
    p = notification.params or {}
    if notification.kind == "sla.warning":
        return _("Conversation #%(id)s (%(urgency)s): the response deadline is in %(minutes)s min.",
                 id=notification.conversation_id, urgency=urgency_label(p.get("urgency")), minutes=p.get("minutes_left"))
    if notification.kind == "sla.breach":
        return _("Conversation #%(id)s (%(urgency)s): the response deadline has passed without an answer.",
                 id=notification.conversation_id, urgency=urgency_label(p.get("urgency")))
    return _("Crisis alert: %(count)s messages (%(signals)s) in %(minutes)s min on %(scope)s, %(expected)s expected.",
             count=p.get("count"), signals=", ".join(signal_label(s) for s in p.get("signals", [])),
             minutes=p.get("window_minutes"), scope=scope_label(p.get("scope"), p.get("channel_name"), p.get("post")),
             expected=p.get("expected"))


def urgency_label(urgency: str | None) -> str:
    return {"critical": _("critical"), "high": _("high"), "normal": _("normal"), "low": _("low")}.get(urgency, "")


def signal_label(signal: str) -> str:
    return {"negative": _("negative"), "toxic": _("toxic"), "critical": _("critical")}.get(signal, signal)


def scope_label(scope: str, channel_name: str | None, post: str | None) -> str:
    if scope == "post":
        return _("post %(post)s on %(channel)s", post=post, channel=channel_name)
    if scope == "channel":
        return _("channel %(channel)s", channel=channel_name)
    return _("all channels")


def unread(user: User, limit: int = 20) -> list[Notification]:
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                              .order_by(Notification.created_at.desc()).limit(limit)).all()


def unread_count(user: User) -> int:
    return db.session.scalar(select(db.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()


def send_pending_emails() -> int:
    """Send the notifications not yet e-mailed; a failure is recorded and retried on the next run."""
    host = current_app.config.get("SMTP_HOST")
    if not host:
        return 0
    pending = db.session.scalars(select(Notification).where(
        Notification.emailed_at.is_(None), Notification.email_attempts < MAX_EMAIL_ATTEMPTS)
        .order_by(Notification.id).limit(200)).all()
    if not pending:
        return 0
    sent = 0
    try:
        # The alert relay is a destination like any other: private addresses need the instance switch.
        with outbound.smtp_client(host, int(current_app.config.get("SMTP_PORT", 25)), timeout=10,
                                  allow=outbound.instance_allows()) as smtp:
            for notification in pending:
                notification.email_attempts += 1
                try:
                    smtp.send_message(_email(notification))
                except smtplib.SMTPException as exc:
                    notification.email_error = str(exc)[:500]
                    continue
                notification.emailed_at, notification.email_error = utcnow(), None
                sent += 1
    except outbound.UnsafeDestinationError as exc:
        from . import audit

        log.warning("alert SMTP server %s refused: %s", host, exc)
        audit.record("outbound.refused", None, kind="alert_smtp", field="SMTP_HOST", host=exc.host,
                     address=exc.address, reason=exc.reason)
        for notification in pending:
            notification.email_attempts += 1
            notification.email_error = f"refused destination: {exc}"[:500]
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server %s unavailable: %s", host, exc)
        for notification in pending:
            if notification.emailed_at is None:
                notification.email_error = str(exc)[:500]
    db.session.commit()
    return sent


def _email(notification: Notification) -> EmailMessage:
    user = notification.user
    with force_locale(user.locale or "fr"):
        body = text(notification)
        subject = {"sla.warning": _("[Parvis] Response deadline soon"),
                   "sla.breach": _("[Parvis] Response deadline missed"),
                   "crisis": _("[Parvis] Crisis alert")}[notification.kind]
    message = EmailMessage()
    message["From"] = current_app.config.get("SMTP_FROM", "parvis@localhost")
    message["To"] = user.email
    message["Subject"] = subject
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    link = ""
    if notification.conversation_id and base:
        link = f"\n\n{base}/conversations/{notification.conversation_id}"
    message.set_content(body + link)
    return message
