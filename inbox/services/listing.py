"""Which conversations the inbox shows: views with counts, filters, search, keyset pagination."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import FLAGS, SENTIMENTS, URGENCY_RANK, Channel, Conversation, Message, conversation_labels
from . import search

VIEWS = ("to_handle", "mine", "unassigned", "pending", "snoozed", "resolved", "moderation", "all")
FILTER_KEYS = ("channel", "urgency", "sentiment", "flag", "label", "language", "assignee", "since", "until", "q")
PAGE_SIZE = 50
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
# The drill-down from a statistics figure: `metric`, the m_* arguments and from/to (services.drilldown).
DRILLDOWN_KEYS = ("metric", "from", "to", "channel", "label")
_STATUS_VIEWS = {"open": "to_handle", "pending": "pending", "resolved": "resolved", "snoozed": "snoozed",
                 "all": "all"}


def _has_hidden_message():
    """The conversation holds a hidden message: one pass over the partial index ix_message_hidden
    (PostgreSQL hashes its few ids once per query instead of probing per conversation)."""
    return Conversation.id.in_(select(Message.conversation_id).where(text("message.visibility = 'hidden'")))


def view_condition(view: str, user=None):
    """The WHERE clause of one inbox view."""
    if view == "to_handle":
        return Conversation.status == "open"
    if view == "mine":
        return and_(Conversation.assignee_id == (user.id if user else -1),
                    Conversation.status.in_(("open", "pending")))
    if view == "unassigned":
        return and_(Conversation.assignee_id.is_(None), Conversation.status == "open")
    if view in ("pending", "snoozed", "resolved"):
        return Conversation.status == view
    if view == "moderation":
        return and_(Conversation.status != "resolved", or_(Conversation.flagged.is_(True), _has_hidden_message()))
    return None  # "all"


def _parse_date(value: str | None, errors: dict, key: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[key] = "must be a date (YYYY-MM-DD)"
        return None


@dataclass
class InboxFilters:
    view: str = "to_handle"
    channel: int | None = None
    urgency: str | None = None
    sentiment: str | None = None
    flag: str | None = None
    label: int | None = None
    language: str | None = None
    assignee: str | None = None  # a user id, "me", or "none"
    since: date | None = None
    until: date | None = None
    q: str | None = None
    after: str | None = None  # keyset cursor
    drilldown: dict | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> "InboxFilters":
        f = cls(view=args.get("view") or "to_handle")
        errors = f.errors
        if "status" in args and "view" not in args:  # the JSON API's older spelling
            f.view = _STATUS_VIEWS.get(args.get("status"), "?")
            if f.view == "?":
                errors["status"] = "must be one of open, pending, resolved, snoozed, all"
        if f.view not in VIEWS and "status" not in errors:
            errors["view"] = f"must be one of {', '.join(VIEWS)}"
        for key in ("channel", "label"):
            raw = args.get(key) or None
            if raw is not None:
                if raw.isdigit() and 0 < int(raw) <= MAX_ID:
                    setattr(f, key, int(raw))
                else:
                    errors[key] = f"must be a {key} id"
        f.urgency = args.get("urgency") or None
        if f.urgency not in (None, *URGENCY_RANK):
            errors["urgency"] = "must be one of critical, high, normal, low"
        f.sentiment = args.get("sentiment") or None
        if f.sentiment not in (None, *SENTIMENTS):
            errors["sentiment"] = "must be one of negative, neutral, positive"
        f.flag = args.get("flag") or None
        if f.flag not in (None, "any", *FLAGS):
            errors["flag"] = "must be one of any, toxic, threat, spam, personal_data"
        f.language = (args.get("language") or "").strip().lower() or None
        if f.language is not None and not (f.language.isalpha() and len(f.language) <= 8):
            errors["language"] = "must be a language code such as fr or en"
        f.assignee = args.get("assignee") or None
        if f.assignee not in (None, "me", "none") and not (
                str(f.assignee).isdigit() and 0 < int(f.assignee) <= MAX_ID):
            errors["assignee"] = "must be a user id, me or none"
        f.since = _parse_date(args.get("since"), errors, "since")
        f.until = _parse_date(args.get("until"), errors, "until")
        f.q = (args.get("q") or "").strip()[:200] or None
        f.after = args.get("after") or None
        if f.after is not None and decode_cursor(f.after) is None:
            errors["after"] = "is not a valid page cursor"
        if args.get("metric"):
            from .drilldown import DrilldownError, conversation_ids

            f.drilldown = {k: v for k, v in args.items() if k in DRILLDOWN_KEYS or k.startswith("m_")}
            try:
                conversation_ids(f.drilldown)
            except DrilldownError as exc:
                errors.update(exc.errors)
        return f

    def query_args(self, **override) -> dict:
        """The filters as URL query arguments (for links to other views and pages)."""
        values = {"view": self.view, "channel": self.channel, "urgency": self.urgency,
                  "sentiment": self.sentiment, "flag": self.flag, "label": self.label,
                  "language": self.language, "assignee": self.assignee,
                  "since": self.since.isoformat() if self.since else None,
                  "until": self.until.isoformat() if self.until else None, "q": self.q,
                  **(self.drilldown or {})}
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def narrowed(self) -> bool:
        """Some filter other than the search is set."""
        return bool(self.drilldown) or any(getattr(self, key) for key in FILTER_KEYS if key != "q")

    @property
    def active(self) -> bool:
        return bool(self.drilldown) or any(getattr(self, key) for key in FILTER_KEYS)


def _filter_conditions(filters: InboxFilters, user) -> list:
    conditions = []
    if filters.channel:
        conditions.append(Conversation.channel_id == filters.channel)
    if filters.urgency:
        conditions.append(Conversation.urgency == filters.urgency)
    if filters.sentiment:
        conditions.append(Conversation.sentiment == filters.sentiment)
    if filters.flag == "any":
        conditions.append(Conversation.flagged.is_(True))
    elif filters.flag:
        # The bare column, as in the partial index ix_message_flag_<flag>'s predicate (PostgreSQL
        # does not match `flag IS true` against it).
        conditions.append(exists().where(Message.conversation_id == Conversation.id,
                                         getattr(Message, f"flag_{filters.flag}")))
    if filters.label:
        conditions.append(exists().where(conversation_labels.c.conversation_id == Conversation.id,
                                         conversation_labels.c.label_id == filters.label))
    if filters.language:
        conditions.append(exists().where(Message.conversation_id == Conversation.id,
                                         Message.direction == "in", Message.language == filters.language))
    if filters.assignee == "me" and user is not None:
        conditions.append(Conversation.assignee_id == user.id)
    elif filters.assignee == "none":
        conditions.append(Conversation.assignee_id.is_(None))
    elif filters.assignee and str(filters.assignee).isdigit():
        conditions.append(Conversation.assignee_id == int(filters.assignee))
    if filters.since:
        conditions.append(Conversation.last_message_at >= datetime.combine(filters.since, time(), timezone.utc))
    if filters.until:
        end = datetime.combine(filters.until + timedelta(days=1), time(), timezone.utc)
        conditions.append(Conversation.last_message_at < end)
    if filters.q:
        matching = search.conversation_condition(filters.q)
        if matching is not None:
            conditions.append(matching)
    if filters.drilldown:
        from .drilldown import conversation_ids

        conditions.append(Conversation.id.in_(conversation_ids(filters.drilldown)))
    return conditions


class CursorError(ValueError):
    """A malformed `after` cursor."""


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _micros(moment: datetime) -> int:
    """A UTC datetime as whole microseconds since the epoch (the cursors' URL-safe form)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _from_micros(text: str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(text))


def encode_cursor(conversation: Conversation) -> str:
    """The keyset cursor after this conversation: "<rank>_<waiting since in µs or ->_<id>" (URL-safe)."""
    since = conversation.waiting_since
    waiting = str(_micros(since)) if since else "-"
    return f"{conversation.urgency_rank}_{waiting}_{conversation.id}"


def decode_cursor(value: str):
    """(rank, waiting_since or None, id), or None when `value` is not a cursor of ours."""
    try:
        rank_text, waiting_text, id_text = value.split("_")
        rank, ident = int(rank_text), int(id_text)
        waiting = None if waiting_text == "-" else _from_micros(waiting_text)
    except (ValueError, OverflowError, AttributeError):
        return None
    if not (0 <= rank <= 100 and 0 < ident <= MAX_ID):
        return None
    return rank, waiting, ident


def _after(cursor) -> object:
    rank, waiting, ident = cursor
    if waiting is None:
        same_rank = and_(Conversation.waiting_since.is_(None), Conversation.id > ident)
    else:
        same_rank = or_(
            Conversation.waiting_since > waiting,
            Conversation.waiting_since.is_(None),
            and_(Conversation.waiting_since == waiting, Conversation.id > ident),
        )
    return or_(Conversation.urgency_rank > rank, and_(Conversation.urgency_rank == rank, same_rank))


def after_cursor(query, cursor: str | None):
    """Keyset pagination: the rows that come after `cursor` in conversation_query's order.

    Unlike OFFSET, the cost does not grow with the page number (see docs/performance.md).
    """
    if not cursor:
        return query
    decoded = decode_cursor(cursor)
    if decoded is None:
        raise CursorError("after must be a cursor returned by a previous page")
    return query.where(_after(decoded))


def conversation_query(filters: InboxFilters, user=None):
    """A select of conversations for one view and its filters, in queue order: most urgent first,
    then longest waiting (not waiting last), then id."""
    # load_only: the channel's encrypted secrets would otherwise be decrypted once per row.
    query = select(Conversation).options(
        joinedload(Conversation.author),
        joinedload(Conversation.channel).load_only(Channel.id, Channel.name, Channel.kind),
        joinedload(Conversation.assignee),
    )
    condition = view_condition(filters.view, user)
    if condition is not None:
        query = query.where(condition)
    conditions = _filter_conditions(filters, user)
    if conditions:
        query = query.where(*conditions)
    cursor = decode_cursor(filters.after) if filters.after else None
    if cursor is not None:
        query = query.where(_after(cursor))
    # NULLS LAST is PostgreSQL's default for ASC, so this order walks ix_conversation_queue
    # (or ix_conversation_rank for "all") and stops after one page: no sort, no full scan.
    return query.order_by(
        Conversation.urgency_rank, Conversation.waiting_since.asc().nulls_last(), Conversation.id,
    )


def fetch_page(session, query, cursor: str | None, limit: int) -> tuple[list[Conversation], str | None]:
    """One page of conversations after `cursor`, and the cursor of the next page (None at the end)."""
    rows = session.scalars(after_cursor(query, cursor).limit(limit + 1)).unique().all()
    if len(rows) <= limit:
        return list(rows), None
    return list(rows[:limit]), encode_cursor(rows[limit - 1])


@dataclass
class Page:
    conversations: list
    next_cursor: str | None


def list_page(filters: InboxFilters, user=None, size: int | None = None) -> Page:
    rows, next_cursor = fetch_page(db.session, conversation_query(filters, user), None, size or PAGE_SIZE)
    return Page(rows, next_cursor)


# Each count reads only its own view's rows through a partial index (ix_conversation_active,
# ix_conversation_flagged, ix_conversation_unflagged, ix_message_hidden), never the resolved
# history: the cost follows the backlog. (Probing the conversations of every hidden message
# instead, `id = ANY(ARRAY(...))`, was about as fast at 1,000,000 messages but grows with the
# history of hidden messages, which a backlog does not.) Literal values, so that PostgreSQL can
# prove the partial indexes' predicates on prepared (generic) plans too.
_ACTIVE_COUNTS = text("""
SELECT
  (SELECT count(*) FROM conversation WHERE status = 'open' AND assignee_id IS NULL) AS unassigned,
  (SELECT count(*) FROM conversation WHERE status IN ('open', 'pending') AND assignee_id = :me) AS mine,
  (SELECT count(*) FROM conversation WHERE status <> 'resolved' AND flagged)
  + (SELECT count(*) FROM conversation WHERE status <> 'resolved' AND NOT flagged
     AND id IN (SELECT conversation_id FROM message WHERE visibility = 'hidden')) AS moderation
""")


def view_counts(user=None, shared: dict | None = None) -> dict[str, int]:
    """How many conversations each view holds (filters aside): two queries whose cost follows the
    size of the backlog, not of the history. `shared`: shared_counts() already at hand (a live
    refresh), when no query is needed."""
    me = user.id if user else -1
    if shared is not None:
        return {**shared["queue"], "mine": shared["mine"].get(str(me), 0)}
    row = db.session.execute(_ACTIVE_COUNTS, {"me": me}).one()
    statuses = status_counts()
    return {
        "to_handle": statuses.get("open", 0), "mine": row.mine, "unassigned": row.unassigned,
        "pending": statuses.get("pending", 0), "snoozed": statuses.get("snoozed", 0),
        "resolved": statuses.get("resolved", 0), "moderation": row.moderation, "all": sum(statuses.values()),
    }


def shared_counts() -> dict:
    """Every view's count for everyone at once, as JSON-ready data: the counts that are the same for
    everyone, and each person's "mine" count by user id (one pass over the assigned backlog)."""
    queue = view_counts()
    del queue["mine"]
    mine = db.session.execute(select(Conversation.assignee_id, func.count())
                              .where(Conversation.status.in_(("open", "pending")), Conversation.assignee_id.isnot(None))
                              .group_by(Conversation.assignee_id)).all()
    return {"queue": queue, "mine": {str(user_id): n for user_id, n in mine}}


def depends_on_user(filters: "InboxFilters") -> bool:
    """Whether the list's rows depend on who asks (the "mine" view, "assigned to me")."""
    return filters.view == "mine" or filters.assignee == "me"


def status_counts() -> dict[str, int]:
    """{status: conversations}: the trigger-kept counts on PostgreSQL (count_rollup), a GROUP BY
    over the (status, ...) index elsewhere."""
    from . import count_rollup

    if count_rollup.ENABLED and count_rollup.available():
        return count_rollup.status_counts(None)
    return dict(db.session.execute(select(Conversation.status, func.count()).group_by(Conversation.status)).all())


def encode_message_cursor(message: Message) -> str:
    """The keyset cursor before this message in its thread: "<created at in µs>_<id>" (URL-safe)."""
    return f"{_micros(message.created_at)}_{message.id}"


def decode_message_cursor(value: str):
    """(created_at, id), or None when `value` is not a message cursor of ours."""
    try:
        micros_text, id_text = value.split("_")
        created_at, ident = _from_micros(micros_text), int(id_text)
    except (ValueError, OverflowError, AttributeError):
        return None
    if not 0 < ident <= MAX_ID:
        return None
    return created_at, ident


def thread_page(session, conversation_id: int, before: str | None, limit: int, options=()):
    """The latest `limit` messages of a thread before the cursor `before` (all of it when None),
    oldest first, and the cursor of the page before them (None when they reach the first message).

    Keyset on (created_at, id), the thread's order, walking ix_message_conversation backwards: a
    page costs the same at the end of a 2,000-message thread as at its start.
    """
    query = select(Message).where(Message.conversation_id == conversation_id).options(*options)
    if before is not None:
        cursor = decode_message_cursor(before)
        if cursor is None:
            raise CursorError("not a cursor of this API (use the previous answer's earlier_before)")
        created_at, ident = cursor
        query = query.where(or_(Message.created_at < created_at,
                                and_(Message.created_at == created_at, Message.id < ident)))
    rows = session.scalars(query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)).all()
    page = rows[:limit][::-1]
    return page, (encode_message_cursor(page[0]) if len(rows) > limit else None)
