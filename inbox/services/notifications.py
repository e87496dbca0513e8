"""Notifications to staff: @mentions in internal notes, SLA warnings and breaches, crisis alerts.

Stored in-app first, then sent by e-mail (SMTP) when configured."""
import logging
import re
import smtplib
import unicodedata
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select, update

from ..extensions import db
from ..models import Note, Notification, User
from ..models.base import utcnow
from . import events, outbound

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 5
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]+)", re.UNICODE)


def _fold(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", value.lower()) if not unicodedata.combining(c))


def mention_keys(user: User) -> set[str]:
    """The words that mention a user: the e-mail's local part, the first name, the full name joined."""
    keys = {_fold(user.email.split("@")[0])}
    parts = user.name.split()
    if parts:
        keys.add(_fold(parts[0]))
        keys.add(_fold(".".join(parts)))
        keys.add(_fold("".join(parts)))
    return keys


def mentioned_users(body: str) -> list[User]:
    words = {_fold(w).rstrip(".-") for w in _MENTION.findall(body or "")}
    if not words:
        return []
    return [u for u in User.query.filter_by(active=True).order_by(User.id) if mention_keys(u) & words]


def notify_mentions(note: Note, author: User) -> list[Notification]:
    """Create one notification per colleague mentioned in the note (not the author); caller commits."""
    created = []
    for user in mentioned_users(note.body):
        if user.id == author.id:
            continue
        notification = Notification(user_id=user.id, actor_id=author.id, kind="mention",
                                    conversation_id=note.conversation_id, note=note)
        db.session.add(notification)
        created.append(notification)
    return created


def publish_created(notifications) -> None:
    for notification in notifications:
        events.publish("notification", user_id=notification.user_id,
                       conversation_id=notification.conversation_id)


def mark_read(user: User, conversation_id: int | None = None) -> int:
    """Mark the user's notifications read (all, or those about one conversation)."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if conversation_id is not None:
        query = query.where(Notification.conversation_id == conversation_id)
    count = db.session.execute(query.values(read_at=utcnow())).rowcount
    if count:  # a commit expires every loaded object: only when something changed
        db.session.commit()
    return count


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
    if notification.kind == "mention":
        return _("%(actor)s mentioned you in conversation #%(id)s",
                 actor=notification.actor.name if notification.actor else "?", id=notification.conversation_id)
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
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))


def mark_all_read(user: User) -> None:
    mark_read(user)


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
        # The alert relay comes from the operator's own configuration (SMTP_HOST), not from anything
        # a user of the application can set: it is trusted, and is often a local relay (localhost).
        with outbound.smtp_client(host, int(current_app.config.get("SMTP_PORT", 25)), timeout=10,
                                  allow=True) as smtp:
            for notification in pending:
                notification.email_attempts += 1
                try:
                    smtp.send_message(_email(notification))
                except smtplib.SMTPException as exc:
                    notification.email_error = str(exc)[:500]
                    continue
                notification.emailed_at, notification.email_error = utcnow(), None
                sent += 1
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
                   "crisis": _("[Parvis] Crisis alert"),
                   "mention": _("[Parvis] A colleague mentioned you")}[notification.kind]
    message = EmailMessage()
    message["From"] = current_app.config.get("SMTP_FROM", "parvis@localhost")
    message["To"] = user.email
    message["Subject"] = subject
    base = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    link = ""
    if notification.conversation_id and base:
        link = f"\n\n{base}/conversations/{notification.conversation_id}"
        if notification.note_id:
            link += "#notes-title"
    message.set_content(body + link)
    return message
