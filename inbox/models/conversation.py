"""A conversation is one inbox item: a comment thread on a post, or a private-message thread."""
from ..extensions import db
from .base import UTCDateTime, utcnow

STATUSES = ("open", "pending", "resolved", "snoozed")
URGENCIES = ("critical", "high", "normal", "low")
SENTIMENTS = ("negative", "neutral", "positive")
# Sort key: lower is more urgent. Unclassified messages sort as "normal" until the worker decides.
URGENCY_RANK = {"critical": 0, "high": 1, "normal": 2, "low": 3}

conversation_labels = db.Table(
    "conversation_label",
    db.Column("conversation_id", db.ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True),
    db.Column("label_id", db.ForeignKey("label.id", ondelete="CASCADE"), primary_key=True),
)


class Conversation(db.Model):
    __table_args__ = (
        db.UniqueConstraint("channel_id", "external_id"),
        db.Index("ix_conversation_queue", "status", "urgency_rank", "waiting_since", "id"),
        # The "all statuses" list and the first-response statistics (issue #8).
        db.Index("ix_conversation_rank", "urgency_rank", "waiting_since", "id"),
        db.Index("ix_conversation_first_response_at", "first_response_at"),
        # The inbox's view counts read only the conversations not yet resolved, a small slice
        # that stays small however many resolved ones pile up (issue #8).
        db.Index("ix_conversation_active", "assignee_id", "status",
                 postgresql_where=db.text("status <> 'resolved'"), sqlite_where=db.text("status <> 'resolved'")),
        db.Index("ix_conversation_flagged", "id", postgresql_where=db.text("flagged AND status <> 'resolved'"),
                 sqlite_where=db.text("flagged AND status <> 'resolved'")),
        db.Index("ix_conversation_unflagged", "id", postgresql_where=db.text("NOT flagged AND status <> 'resolved'"),
                 sqlite_where=db.text("NOT flagged AND status <> 'resolved'")),
    )

    id = db.Column(db.Integer, primary_key=True)
    channel_id = db.Column(db.ForeignKey("channel.id"), nullable=False)
    external_id = db.Column(db.String(255), nullable=False)
    kind = db.Column(db.String(10), nullable=False, default="comment")
    author_id = db.Column(db.ForeignKey("author.id"), index=True)
    post_external_id = db.Column(db.String(255))
    post_text = db.Column(db.Text)
    post_url = db.Column(db.String(2048))
    status = db.Column(db.String(10), nullable=False, default="open")
    snoozed_until = db.Column(UTCDateTime)
    assignee_id = db.Column(db.ForeignKey("user.id"), index=True)
    # Derived from the messages still waiting for an answer (see services.conversations).
    urgency = db.Column(db.String(10))
    urgency_rank = db.Column(db.SmallInteger, nullable=False, default=URGENCY_RANK["normal"])
    sentiment = db.Column(db.String(10))
    flagged = db.Column(db.Boolean, nullable=False, default=False)
    opened_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    waiting_since = db.Column(UTCDateTime)
    first_response_at = db.Column(UTCDateTime)
    resolved_at = db.Column(UTCDateTime)
    last_message_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_excerpt = db.Column(db.String(280))
    message_count = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    channel = db.relationship("Channel")
    author = db.relationship("Author")
    assignee = db.relationship("User")
    labels = db.relationship("Label", secondary=conversation_labels, lazy="selectin")
    messages = db.relationship(
        "Message", back_populates="conversation", order_by="Message.created_at, Message.id",
        lazy="dynamic",
    )
