"""What the institution is told: in-app notifications, crisis alerts, and editable settings."""
from ..extensions import db
from .base import UTCDateTime, utcnow

NOTIFICATION_KINDS = ("sla.warning", "sla.breach", "crisis", "mention")


class Notification(db.Model):
    """A message to one staff member, shown in the app and sent by e-mail."""

    __table_args__ = (db.Index("ix_notification_user_unread", "user_id", "read_at", "created_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    # Who caused it (the colleague who wrote "@name" in a note), when someone did.
    actor_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    kind = db.Column(db.String(20), nullable=False)
    conversation_id = db.Column(db.ForeignKey("conversation.id", ondelete="CASCADE"))
    note_id = db.Column(db.ForeignKey("note.id", ondelete="CASCADE"))
    crisis_alert_id = db.Column(db.ForeignKey("crisis_alert.id", ondelete="CASCADE"))
    # Parameters of the text, rendered in the reader's language at display time.
    params = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    read_at = db.Column(UTCDateTime)
    emailed_at = db.Column(UTCDateTime)
    email_attempts = db.Column(db.Integer, nullable=False, default=0)
    email_error = db.Column(db.Text)

    user = db.relationship("User", foreign_keys=[user_id])
    actor = db.relationship("User", foreign_keys=[actor_id])
    conversation = db.relationship("Conversation")
    note = db.relationship("Note")


class CrisisAlert(db.Model):
    """A detected surge of negative, toxic or critical messages in a scope (all, a channel, a post)."""

    __table_args__ = (db.Index("ix_crisis_alert_active", "ended_at", "scope"),)

    id = db.Column(db.Integer, primary_key=True)
    scope = db.Column(db.String(10), nullable=False)  # all / channel / post
    channel_id = db.Column(db.ForeignKey("channel.id"))
    post_external_id = db.Column(db.String(255))
    signals = db.Column(db.JSON, nullable=False, default=list)
    window_start = db.Column(UTCDateTime, nullable=False)
    window_end = db.Column(UTCDateTime, nullable=False)
    count = db.Column(db.Integer, nullable=False)
    expected = db.Column(db.Float, nullable=False)
    p_value = db.Column(db.Float, nullable=False)
    detected_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    ended_at = db.Column(UTCDateTime)

    channel = db.relationship("Channel")


class Setting(db.Model):
    """An institution-wide setting edited in the app (the business calendar, the SLA targets)."""

    key = db.Column(db.String(60), primary_key=True)
    value = db.Column(db.JSON, nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
