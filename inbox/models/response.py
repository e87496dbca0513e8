"""Response tracking: one row per opening cycle of a conversation and one per public reply.

They are written by the services at the moment things happen (see services.cycles), so the
statistics never have to replay a conversation's history, and reopenings keep their own figures.
"""
from ..extensions import db
from .base import UTCDateTime, utcnow
from .message import Message

SLA_STATES = ("running", "met", "breached", "cancelled")


class ConversationCycle(db.Model):
    """From an opening (or reopening) of a conversation to its resolution."""

    __table_args__ = (
        # Covering (PostgreSQL): the dashboard reads cycles by start date without touching the table.
        db.Index("ix_cycle_first_inbound", "first_inbound_at", "channel_id", postgresql_include=[
            "first_response_at", "first_response_seconds", "first_response_business_seconds",
            "first_responder_id", "urgency", "sla_due_at", "resolved_at", "conversation_id"]),
        db.Index("ix_cycle_resolved", "resolved_at", postgresql_include=[
            "resolver_id", "resolution_seconds", "resolution_business_seconds", "channel_id", "conversation_id"]),
        db.Index("ix_cycle_conversation", "conversation_id", "seq"),
        db.Index("ix_cycle_sla_open", "sla_due_at"),
        # Durations in order (issue #5): each exact percentile reads its values already sorted.
        *[db.Index(name, *columns, postgresql_include=include) for name, columns, include in (
            ("ix_cycle_first_response_wall", ["first_response_seconds"], ["first_inbound_at", "channel_id"]),
            ("ix_cycle_first_response_business", ["first_response_business_seconds"],
             ["first_inbound_at", "channel_id"]),
            ("ix_cycle_responder_wall", ["first_responder_id", "first_response_seconds"],
             ["first_inbound_at", "channel_id"]),
            ("ix_cycle_resolution_wall", ["resolution_seconds"], ["resolved_at", "channel_id"]),
            ("ix_cycle_resolution_business", ["resolution_business_seconds"], ["resolved_at", "channel_id"]))],
        # Cycles neither answered nor resolved, counted live by the dashboard (services.count_rollup).
        db.Index("ix_cycle_unsettled", "first_inbound_at", postgresql_include=[
            "channel_id", "first_responder_id", "urgency", "sla_due_at"],
            postgresql_where=db.text("first_response_at IS NULL AND resolved_at IS NULL"),
            sqlite_where=db.text("first_response_at IS NULL AND resolved_at IS NULL")),
    )

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(db.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False)
    channel_id = db.Column(db.ForeignKey("channel.id"), nullable=False)
    seq = db.Column(db.Integer, nullable=False, default=1)
    opened_at = db.Column(UTCDateTime, nullable=False)
    # The first inbound message of the cycle starts the first-response clock; a cycle reopened
    # by a person has none until a citizen writes.
    first_inbound_at = db.Column(UTCDateTime)
    first_response_at = db.Column(UTCDateTime)
    first_responder_id = db.Column(db.ForeignKey("user.id"), index=True)
    first_response_seconds = db.Column(db.Float)
    first_response_business_seconds = db.Column(db.Float)
    # Most severe classified urgency among the inbound messages before the first response.
    urgency = db.Column(db.String(10))
    sla_due_at = db.Column(UTCDateTime)
    sla_warn_at = db.Column(UTCDateTime)
    sla_warned_at = db.Column(UTCDateTime)
    sla_breach_notified_at = db.Column(UTCDateTime)
    resolved_at = db.Column(UTCDateTime)
    resolver_id = db.Column(db.ForeignKey("user.id"), index=True)
    resolution_seconds = db.Column(db.Float)
    resolution_business_seconds = db.Column(db.Float)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    conversation = db.relationship("Conversation")
    first_responder = db.relationship("User", foreign_keys=[first_responder_id])
    resolver = db.relationship("User", foreign_keys=[resolver_id])

    def sla_state(self, now) -> str | None:
        """met, breached, running, cancelled (resolved unanswered before the deadline) or None.

        The same rules as the SQL in services.stats (docs/metrics.md).
        """
        if self.sla_due_at is None:
            return None
        if self.first_response_at is not None:
            return "met" if self.first_response_at <= self.sla_due_at else "breached"
        if self.resolved_at is not None and self.resolved_at <= self.sla_due_at:
            return "cancelled"
        if min(self.resolved_at or now, now) > self.sla_due_at:
            return "breached"
        return "running"


class ReplyEvent(db.Model):
    """A public reply by a person, with how long the citizen had been waiting for it."""

    __table_args__ = (
        db.Index("ix_reply_event_replied", "replied_at", "channel_id", postgresql_include=[
            "user_id", "is_first", "wait_seconds", "wait_business_seconds", "conversation_id"]),
        # Reply times (later replies only) in order, for the exact percentiles (issue #5).
        db.Index("ix_reply_event_wait", "wait_seconds", postgresql_include=["replied_at", "channel_id"],
                 postgresql_where=db.text("NOT is_first"), sqlite_where=db.text("NOT is_first")),
        db.Index("ix_reply_event_wait_business", "wait_business_seconds",
                 postgresql_include=["replied_at", "channel_id"],
                 postgresql_where=db.text("NOT is_first"), sqlite_where=db.text("NOT is_first")),
    )

    id = db.Column(db.Integer, primary_key=True)
    conversation_id = db.Column(db.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False, index=True)
    cycle_id = db.Column(db.ForeignKey("conversation_cycle.id", ondelete="CASCADE"), index=True)
    message_id = db.Column(db.ForeignKey("message.id", ondelete="CASCADE"), nullable=False, unique=True)
    user_id = db.Column(db.ForeignKey("user.id"), index=True)
    channel_id = db.Column(db.ForeignKey("channel.id"), nullable=False)
    replied_at = db.Column(UTCDateTime, nullable=False)
    waiting_since = db.Column(UTCDateTime)
    is_first = db.Column(db.Boolean, nullable=False, default=False)
    wait_seconds = db.Column(db.Float)
    wait_business_seconds = db.Column(db.Float)

    conversation = db.relationship("Conversation")
    cycle = db.relationship("ConversationCycle")
    message = db.relationship("Message")
    user = db.relationship("User")


# The dashboard scans inbound messages by date with these columns only (an index-only scan).
db.Index("ix_message_stats", Message.created_at, Message.channel_id, Message.sentiment, Message.urgency,
         postgresql_where=Message.direction == "in", sqlite_where=Message.direction == "in")


class MessageHourStat(db.Model):
    """Inbound messages per UTC hour, channel, sentiment and urgency: a rollup for the dashboard.

    Rebuilt hour by hour by services.rollup; hours touched since the last refresh are counted
    from the messages themselves, so the dashboard is exact at any time.
    """

    hour = db.Column(UTCDateTime, primary_key=True)
    channel_id = db.Column(db.Integer, primary_key=True)
    sentiment = db.Column(db.String(10), primary_key=True, default="")
    urgency = db.Column(db.String(10), primary_key=True, default="")
    count = db.Column(db.Integer, nullable=False)


# Which hours changed since the rollup's last refresh: new messages and new classifications.
db.Index("ix_message_received", Message.received_at)
db.Index("ix_message_classified", Message.classified_at)


class CycleFirstStat(db.Model):
    """First-response cohorts per UTC day of the first inbound message, channel, responder (0:
    none), urgency and settled outcome; kept by PostgreSQL triggers (services.count_rollup)."""

    __tablename__ = "stat_cycle_first"
    day = db.Column(db.DateTime(timezone=True), primary_key=True)
    channel_id = db.Column(db.Integer, primary_key=True)
    responder_id = db.Column(db.Integer, primary_key=True)
    urgency = db.Column(db.String(10), primary_key=True)
    state = db.Column(db.String(10), primary_key=True)
    count = db.Column(db.Integer, nullable=False)


class CycleResolvedStat(db.Model):
    """Resolutions per UTC day, channel and resolver (0: none); kept by PostgreSQL triggers."""

    __tablename__ = "stat_cycle_resolved"
    day = db.Column(db.DateTime(timezone=True), primary_key=True)
    channel_id = db.Column(db.Integer, primary_key=True)
    resolver_id = db.Column(db.Integer, primary_key=True)
    count = db.Column(db.Integer, nullable=False)


class ReplyStat(db.Model):
    """Public replies per UTC day, channel and user (0: none); kept by PostgreSQL triggers."""

    __tablename__ = "stat_reply"
    day = db.Column(db.DateTime(timezone=True), primary_key=True)
    channel_id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, primary_key=True)
    count = db.Column(db.Integer, nullable=False)


class ConversationStatusStat(db.Model):
    """+1/-1 per conversation entering/leaving a status, appended by a PostgreSQL trigger and
    summed back by the sweep (services.count_rollup.compact)."""

    __tablename__ = "stat_conversation_status"
    id = db.Column(db.BigInteger().with_variant(db.Integer(), "sqlite"), primary_key=True)
    channel_id = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(10), nullable=False)
    delta = db.Column(db.Integer, nullable=False)
