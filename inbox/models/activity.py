"""What staff do around messages: internal notes, moderation actions, the audit trail."""
from ..extensions import db
from .base import UTCDateTime, utcnow

MODERATION_ACTIONS = ("hide", "unhide", "delete", "spam", "block", "unblock", "undo")
MODERATION_REASONS = ("offensive", "abusive", "threat", "spam", "personal_data", "off_topic", "other")


class Note(db.Model):
    """An internal note on a conversation; never sent to the network."""

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(db.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("user.id"), nullable=False)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    user = db.relationship("User")


class ModerationAction(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.ForeignKey("message.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("user.id"))
    action = db.Column(db.String(20), nullable=False)
    reason = db.Column(db.String(20), nullable=False)
    comment = db.Column(db.Text)
    # The state before the action ({"visibility": ..., "flag_spam": ..., "author_blocked": ...}), for undo.
    previous = db.Column(db.JSON)
    undone_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Sending the action to the network: null when the network cannot do it (Parvis only),
    # else queued / sending / sent / failed, like an outbound reply.
    delivery_status = db.Column(db.String(10))
    delivery_error = db.Column(db.Text)
    delivery_attempts = db.Column(db.Integer, nullable=False, default=0)
    claimed_at = db.Column(UTCDateTime)
    delivered_at = db.Column(UTCDateTime)

    user = db.relationship("User")
    message = db.relationship("Message")


class AuditEvent(db.Model):
    """Who did what, when, from where."""

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("user.id"), index=True)
    action = db.Column(db.String(40), nullable=False, index=True)
    target_type = db.Column(db.String(40))
    target_id = db.Column(db.Integer)
    detail = db.Column(db.JSON)
    ip = db.Column(db.String(45))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    user = db.relationship("User")
