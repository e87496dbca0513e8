"""Messages, inbound (from citizens) and outbound (staff replies), with their classification."""
from ..extensions import db
from .base import UTCDateTime, utcnow

FLAGS = ("toxic", "threat", "spam", "personal_data")
VISIBILITIES = ("visible", "hidden", "deleted")
CLASSIFY_STATES = ("pending", "processing", "done", "failed")
DELIVERY_STATES = ("queued", "sending", "sent", "failed")


class Message(db.Model):
    __table_args__ = (
        db.UniqueConstraint("channel_id", "external_id"),
        # Partial indexes (issue #8, chosen from EXPLAIN ANALYZE at 1M messages): the worker's
        # claim, the sweeper and /healthz only ever look at unfinished work, a tiny slice.
        db.Index("ix_message_unclassified", "received_at", "id",
                 postgresql_where=db.text("classify_status IN ('pending', 'processing')"),
                 sqlite_where=db.text("classify_status IN ('pending', 'processing')")),
        db.Index("ix_message_undelivered", "created_at",
                 postgresql_where=db.text("direction = 'out' AND delivery_status IN ('queued', 'sending')"),
                 sqlite_where=db.text("direction = 'out' AND delivery_status IN ('queued', 'sending')")),
        db.Index("ix_message_conversation", "conversation_id", "created_at"),
        # Conversations with a hidden message (the moderation view and its count).
        db.Index("ix_message_hidden", "conversation_id",
                 postgresql_where=db.text("visibility = 'hidden'"), sqlite_where=db.text("visibility = 'hidden'")),
        # The list's flag and language filters probe these per conversation (or, for a rare
        # value, start from them) instead of reading each conversation's messages.
        *[db.Index(f"ix_message_flag_{flag}", "conversation_id", postgresql_where=db.text(f"flag_{flag}"),
                   sqlite_where=db.text(f"flag_{flag}")) for flag in FLAGS],
        db.Index("ix_message_language", "language", "conversation_id",
                 postgresql_where=db.text("direction = 'in'"), sqlite_where=db.text("direction = 'in'")),
    )

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(db.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False)
    channel_id = db.Column(db.ForeignKey("channel.id"), nullable=False)
    # Null for an outbound reply until the network gives it an id.
    external_id = db.Column(db.String(255))
    parent_external_id = db.Column(db.String(255))
    direction = db.Column(db.String(3), nullable=False, default="in")
    author_id = db.Column(db.ForeignKey("author.id"), index=True)
    user_id = db.Column(db.ForeignKey("user.id"))
    body = db.Column(db.Text, nullable=False, default="")
    language = db.Column(db.String(8))
    permalink = db.Column(db.String(2048))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    received_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    visibility = db.Column(db.String(10), nullable=False, default="visible")
    # Set when the author edited the message on the network (it is then classified again).
    edited_at = db.Column(UTCDateTime)
    raw = db.Column(db.JSON)
    # Set when the retention policy or an erasure request purged the body (statistics are kept).
    purged_at = db.Column(UTCDateTime)

    # Classification (inbound only).
    classify_status = db.Column(db.String(12))
    classify_error = db.Column(db.Text)
    classify_attempts = db.Column(db.Integer, nullable=False, default=0)
    claim_token = db.Column(db.String(36))
    claimed_at = db.Column(UTCDateTime)
    sentiment = db.Column(db.String(10))
    sentiment_score = db.Column(db.Float)
    urgency = db.Column(db.String(10))
    urgency_score = db.Column(db.Float)
    flag_toxic = db.Column(db.Boolean, nullable=False, default=False)
    flag_threat = db.Column(db.Boolean, nullable=False, default=False)
    flag_spam = db.Column(db.Boolean, nullable=False, default=False)
    flag_personal_data = db.Column(db.Boolean, nullable=False, default=False)
    flag_scores = db.Column(db.JSON)
    explanation = db.Column(db.JSON)
    model_version = db.Column(db.String(120))
    classified_at = db.Column(UTCDateTime)
    # How many times a classification result was written: the reliability tests expect exactly 1.
    classification_writes = db.Column(db.Integer, nullable=False, default=0)

    # Delivery (outbound only).
    delivery_status = db.Column(db.String(10))
    delivery_error = db.Column(db.Text)
    delivery_attempts = db.Column(db.Integer, nullable=False, default=0)
    delivered_at = db.Column(UTCDateTime)

    conversation = db.relationship("Conversation", back_populates="messages")
    author = db.relationship("Author")
    user = db.relationship("User")

    @property
    def flags(self) -> list[str]:
        return [flag for flag in FLAGS if getattr(self, f"flag_{flag}")]

    @property
    def is_inbound(self) -> bool:
        return self.direction == "in"
