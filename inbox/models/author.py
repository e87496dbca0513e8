"""Citizens who write to the institution, one per (channel, external id)."""
from ..extensions import db
from .base import UTCDateTime, utcnow


class Author(db.Model):
    __table_args__ = (db.UniqueConstraint("channel_id", "external_id"),)

    id = db.Column(db.Integer, primary_key=True)
    channel_id = db.Column(db.ForeignKey("channel.id"), nullable=False)
    external_id = db.Column(db.String(255), nullable=False)
    handle = db.Column(db.String(255))
    name = db.Column(db.String(255))
    blocked = db.Column(db.Boolean, nullable=False, default=False)
    anonymised_at = db.Column(UTCDateTime)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    channel = db.relationship("Channel")

    @property
    def display_name(self) -> str:
        return self.name or self.handle or self.external_id
