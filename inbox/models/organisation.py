"""How a team organises its work: labels, saved replies, automation rules."""
from ..extensions import db
from .base import UTCDateTime, utcnow


class Label(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(60), unique=True, nullable=False)
    color = db.Column(db.String(7), nullable=False, default="#6b7280")


class SavedReply(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120), nullable=False)
    body = db.Column(db.Text, nullable=False)
    shortcut = db.Column(db.String(40), unique=True)
    language = db.Column(db.String(5), nullable=False, default="fr")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class Rule(db.Model):
    """Conditions on text / classification / channel / author, and the actions they trigger."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    conditions = db.Column(db.JSON, nullable=False, default=dict)
    actions = db.Column(db.JSON, nullable=False, default=dict)
    enabled = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class RuleApplication(db.Model):
    """A rule applied to a message, at most once: rules never run again on their own effects."""

    rule_id = db.Column(db.ForeignKey("rule.id", ondelete="CASCADE"), primary_key=True)
    message_id = db.Column(db.ForeignKey("message.id", ondelete="CASCADE"), primary_key=True)
    applied_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
