"""Corrections staff make to the classifier's labels; the training command learns from them."""
from ..extensions import db
from .base import UTCDateTime, utcnow

CORRECTABLE_FIELDS = ("sentiment", "urgency", "flags")


class ClassificationCorrection(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    message_id = db.Column(db.ForeignKey("message.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("user.id", ondelete="SET NULL"))
    field = db.Column(db.String(20), nullable=False)
    # Old and new values as JSON: a string for sentiment/urgency, a sorted list for flags.
    old = db.Column(db.JSON)
    new = db.Column(db.JSON)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    message = db.relationship("Message")
    user = db.relationship("User")
