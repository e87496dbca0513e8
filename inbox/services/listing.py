"""Which conversations the inbox shows, in which order, with which filters."""
from dataclasses import dataclass, field

from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload

from ..models import URGENCY_RANK, Channel, Conversation, Message, conversation_labels

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
FILTER_KEYS = ("status", "urgency", "sentiment", "channel", "assignee", "flag", "label", "metric")


@dataclass
class InboxFilters:
    status: str | None = "open"
    urgency: str | None = None
    sentiment: str | None = None
    channel: int | None = None
    assignee: str | None = None  # a user id, "me", or "none"
    flag: str | None = None
    label: int | None = None
    # Drill-down from a statistics figure: `metric`, the m_* arguments and from/to (services.drilldown).
    drilldown: dict | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args, default_status: str | None = "open") -> "InboxFilters":
        filters = cls(status=args.get("status", default_status) or None)
        filters.urgency = args.get("urgency") or None
        filters.sentiment = args.get("sentiment") or None
        filters.flag = args.get("flag") or None
        filters.assignee = args.get("assignee") or None
        channel = args.get("channel") or None
        if channel is not None:
            try:
                filters.channel = int(channel)
            except ValueError:
                filters.errors["channel"] = "must be a channel id"
            else:
                if not 0 < filters.channel <= MAX_ID:
                    filters.errors["channel"] = "must be a channel id"
        label = args.get("label") or None
        if label is not None:
            if str(label).isdigit():
                filters.label = int(label)
            else:
                filters.errors["label"] = "must be a label id"
        if args.get("metric"):
            from .drilldown import DrilldownError, conversation_ids

            filters.drilldown = {k: v for k, v in args.items()
                                 if k in ("metric", "from", "to", "channel", "label") or k.startswith("m_")}
            try:
                conversation_ids(filters.drilldown)
            except DrilldownError as exc:
                filters.errors.update(exc.errors)
        if filters.status not in (None, "all", "open", "pending", "resolved", "snoozed"):
            filters.errors["status"] = "must be one of open, pending, resolved, snoozed, all"
        if filters.urgency not in (None, *URGENCY_RANK):
            filters.errors["urgency"] = "must be one of critical, high, normal, low"
        if filters.sentiment not in (None, "negative", "neutral", "positive"):
            filters.errors["sentiment"] = "must be one of negative, neutral, positive"
        if filters.flag not in (None, "any", "toxic", "threat", "spam", "personal_data"):
            filters.errors["flag"] = "must be one of any, toxic, threat, spam, personal_data"
        if filters.assignee not in (None, "me", "none") and not (
                str(filters.assignee).isdigit() and 0 < int(filters.assignee) <= MAX_ID):
            filters.errors["assignee"] = "must be a user id, me or none"
        return filters


def conversation_query(filters: InboxFilters, user=None):
    """A select of conversations, most urgent first, then longest waiting."""
    # load_only: the channel's encrypted secrets would otherwise be decrypted once per row.
    query = select(Conversation).options(
        joinedload(Conversation.author),
        joinedload(Conversation.channel).load_only(Channel.id, Channel.name, Channel.kind),
        joinedload(Conversation.assignee),
    )
    if filters.status and filters.status != "all":
        query = query.where(Conversation.status == filters.status)
    if filters.urgency:
        query = query.where(Conversation.urgency == filters.urgency)
    if filters.sentiment:
        query = query.where(Conversation.sentiment == filters.sentiment)
    if filters.channel:
        query = query.where(Conversation.channel_id == filters.channel)
    if filters.assignee == "me" and user is not None:
        query = query.where(Conversation.assignee_id == user.id)
    elif filters.assignee == "none":
        query = query.where(Conversation.assignee_id.is_(None))
    elif filters.assignee and str(filters.assignee).isdigit():
        query = query.where(Conversation.assignee_id == int(filters.assignee))
    if filters.flag == "any":
        query = query.where(Conversation.flagged.is_(True))
    elif filters.flag:
        query = query.where(exists().where(
            Message.conversation_id == Conversation.id, getattr(Message, f"flag_{filters.flag}").is_(True)))
    if filters.label:
        query = query.where(exists().where(conversation_labels.c.conversation_id == Conversation.id,
                                           conversation_labels.c.label_id == filters.label))
    if filters.drilldown:
        from .drilldown import conversation_ids

        query = query.where(Conversation.id.in_(conversation_ids(filters.drilldown)))
    # NULLS LAST is PostgreSQL's default for ASC, so this order walks ix_conversation_queue
    # (or ix_conversation_rank for "all") and stops after one page: no sort, no full scan.
    return query.order_by(
        Conversation.urgency_rank, Conversation.waiting_since.asc().nulls_last(), Conversation.id,
    )


class CursorError(ValueError):
    """A malformed `after` cursor."""


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def cursor_of(conversation: Conversation) -> str:
    """The keyset cursor after this conversation: "<rank>_<waiting since in µs or ->_<id>" (URL-safe)."""
    since = conversation.waiting_since
    waiting = str((since - _EPOCH) // timedelta(microseconds=1)) if since else "-"
    return f"{conversation.urgency_rank}_{waiting}_{conversation.id}"


def after_cursor(query, cursor: str | None):
    """Keyset pagination: the rows that come after `cursor` in conversation_query's order.

    Unlike OFFSET, the cost does not grow with the page number (see docs/performance.md).
    """
    if not cursor:
        return query
    try:
        rank_text, waiting_text, id_text = cursor.split("_")
        rank, last_id = int(rank_text), int(id_text)
        waiting = None if waiting_text == "-" else _EPOCH + timedelta(microseconds=int(waiting_text))
    except (ValueError, OverflowError):
        raise CursorError("after must be a cursor returned by a previous page") from None
    rank_col, waiting_col, id_col = Conversation.urgency_rank, Conversation.waiting_since, Conversation.id
    if waiting is None:
        same_rank = and_(waiting_col.is_(None), id_col > last_id)
    else:
        same_rank = or_(waiting_col > waiting, waiting_col.is_(None),
                        and_(waiting_col == waiting, id_col > last_id))
    return query.where(or_(rank_col > rank, and_(rank_col == rank, same_rank)))


def fetch_page(session, query, cursor: str | None, limit: int) -> tuple[list[Conversation], str | None]:
    """One page of conversations after `cursor`, and the cursor of the next page (None at the end)."""
    rows = session.scalars(after_cursor(query, cursor).limit(limit + 1)).unique().all()
    if len(rows) <= limit:
        return list(rows), None
    return list(rows[:limit]), cursor_of(rows[limit - 1])
