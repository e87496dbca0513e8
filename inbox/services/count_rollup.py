"""Hourly count rollups of cycles and reply events, kept by PostgreSQL triggers (migration i9_stats_speed).

What the dashboard counts per period (first-response cohort per responder, urgency and SLA
outcome; resolutions per resolver; replies per user) is summed from small per-day tables instead
of counting ~400,000 rows per figure:

- `stat_cycle_first (UTC day of first_inbound_at, channel, responder, urgency, state)`, where state
  is the cycle's outcome once it no longer depends on the time of the request: answered (met,
  late, or `answered` without deadline) or resolved without an answer (cancelled, expired, or
  `closed` without deadline). Cycles still unanswered and unresolved, whose SLA state changes
  with the clock (running, then breached), are not in the rollup: they are counted live.
- `stat_cycle_resolved (UTC day of resolved_at, channel, resolver)`.
- `stat_reply (UTC day of replied_at, channel, user)`.
- `stat_conversation_status (channel, status, delta)`: +1/-1 rows appended on every status
  change, summed back into one row per channel and status by the sweep (`compact()`); the
  backlog's per-status counts are their sums.

Triggers on `conversation_cycle` and `reply_event` apply every insert, update and delete, in the
writing transaction, whatever the code path (ORM, bulk SQL, cascades, COPY). A period uses the
rollup for its whole UTC days and counts the partial days at both ends from the tables. With a
label filter everything is counted from the tables. SQLite (development, tests) has no rollup
and always counts from the tables. `rebuild()` (`parvis stats-recompute`) recomputes the rollup
from the tables.
"""
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, case, func, or_, select, text, union_all

from ..extensions import db
from ..models import ConversationCycle as Cycle, ReplyEvent

REBUILD_SQL = """
DELETE FROM stat_cycle_first; DELETE FROM stat_cycle_resolved; DELETE FROM stat_reply;
DELETE FROM stat_conversation_status;
INSERT INTO stat_conversation_status (channel_id, status, delta)
  SELECT channel_id, status, count(*) FROM conversation GROUP BY 1, 2;
INSERT INTO stat_cycle_first (day, channel_id, responder_id, urgency, state, count)
  SELECT date_trunc('day', c.first_inbound_at, 'UTC'), c.channel_id, coalesce(c.first_responder_id, 0),
         coalesce(c.urgency, 'normal'), parvis_cycle_first_state(c), count(*)
  FROM conversation_cycle c WHERE parvis_cycle_first_state(c) IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
INSERT INTO stat_cycle_resolved (day, channel_id, resolver_id, count)
  SELECT date_trunc('day', resolved_at, 'UTC'), channel_id, coalesce(resolver_id, 0), count(*)
  FROM conversation_cycle WHERE resolved_at IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO stat_reply (day, channel_id, user_id, count)
  SELECT date_trunc('day', replied_at, 'UTC'), channel_id, coalesce(user_id, 0), count(*)
  FROM reply_event GROUP BY 1, 2, 3;
"""
# SLA state of each outcome (None: no deadline, not in the SLA table).
SLA_OF = {"met": "met", "late": "breached", "answered": None, "cancelled": "cancelled", "expired": "breached",
          "closed": None, "open": None, "overdue": "breached", "running": "running"}
UNANSWERED = ("cancelled", "expired", "closed", "open", "overdue", "running")
# False: the dashboard counts everything from the tables (the reference the tests compare with).
ENABLED = True


def available() -> bool:
    return db.engine.dialect.name == "postgresql"


def rebuild() -> None:
    """Recompute the rollup tables from the cycles and reply events."""
    if available():
        db.session.execute(text(REBUILD_SQL))
        db.session.execute(text("ANALYZE stat_cycle_first, stat_cycle_resolved, stat_reply, stat_conversation_status"))
        db.session.commit()


COMPACT_SQL = """
WITH gone AS (DELETE FROM stat_conversation_status RETURNING channel_id, status, delta)
INSERT INTO stat_conversation_status (channel_id, status, delta)
  SELECT channel_id, status, sum(delta) FROM gone GROUP BY 1, 2 HAVING sum(delta) <> 0
"""


def compact() -> None:
    """Sum the conversation-status deltas into one row per channel and status (run by the sweep).

    Exact under concurrent writes: the DELETE only takes the rows its snapshot sees, and deltas
    inserted meanwhile stay for the next run.
    """
    if available():
        db.session.execute(text(COMPACT_SQL))
        db.session.commit()


def status_counts(channel: int | None) -> dict:
    """{status: conversations} now, from the trigger-kept deltas."""
    rows = db.session.execute(text(
        "SELECT status, sum(delta) FROM stat_conversation_status" + (" WHERE channel_id = :channel" if channel else "")
        + " GROUP BY status"), {"channel": channel}).all()
    return {status: int(count) for status, count in rows if count}


def whole_days(start: datetime, end: datetime):
    """[first whole UTC day, end of the last whole UTC day) inside [start, end), or None."""
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(days=1)
    last = end.replace(hour=0, minute=0, second=0, microsecond=0)
    return (first, last) if first < last else None


def live_state(now: datetime):
    """The outcome of a cycle (the rollup's states, plus open / overdue / running) in SQL."""
    due, answered, resolved = Cycle.sla_due_at, Cycle.first_response_at, Cycle.resolved_at
    return case(
        (answered.is_not(None), case((due.is_(None), "answered"), (answered <= due, "met"), else_="late")),
        (resolved.is_not(None), case((due.is_(None), "closed"), (resolved <= due, "cancelled"), else_="expired")),
        (due.is_(None), "open"), (due < now, "overdue"), else_="running")


def _edges(column, start, end, days):
    """The part of [start, end) outside the rollup's whole days."""
    if days is None:
        return and_(column >= start, column < end)
    return or_(and_(column >= start, column < days[0]), and_(column >= days[1], column < end))


def first_counts(start: datetime, end: datetime, channel: int | None, now: datetime):
    """(per-responder rows (responder, cycles, unanswered, sla_met, sla_breached), SLA rows
    (urgency, state, count)): the counts of the first-response cohort of [start, end)."""
    days = whole_days(start, end)
    outcomes: dict = {}
    if days is not None:
        rows = db.session.execute(text(
            "SELECT responder_id, urgency, state, sum(count) FROM stat_cycle_first"
            " WHERE day >= :start AND day < :end" + (" AND channel_id = :channel" if channel else "") +
            " GROUP BY 1, 2, 3"), {"start": days[0], "end": days[1], "channel": channel}).all()
        for responder, urgency, state, count in rows:
            key = (responder or None, urgency, state)
            outcomes[key] = outcomes.get(key, 0) + int(count)
    # Live: the partial days at both ends, and the cycles of the whole days still open (from
    # the partial index ix_cycle_unsettled).
    state, urgency = live_state(now).label("state"), func.coalesce(Cycle.urgency, "normal").label("urgency")
    channel_clause = [Cycle.channel_id == channel] if channel else []
    columns = (Cycle.first_responder_id.label("responder"), urgency, state)
    if days is None:
        parts = select(*columns).where(Cycle.first_inbound_at >= start, Cycle.first_inbound_at < end, *channel_clause)
    else:
        edges = select(*columns).where(_edges(Cycle.first_inbound_at, start, end, days), *channel_clause)
        # Neither answered nor resolved: live_state() reduces to the deadline test (index-only).
        due = Cycle.sla_due_at
        open_state = case((due.is_(None), "open"), (due < now, "overdue"), else_="running").label("state")
        still_open = select(Cycle.first_responder_id.label("responder"), urgency, open_state).where(
            Cycle.first_inbound_at >= days[0], Cycle.first_inbound_at < days[1], Cycle.first_response_at.is_(None),
            Cycle.resolved_at.is_(None), *channel_clause)
        parts = union_all(edges, still_open)
    parts = parts.subquery()
    live = db.session.execute(select(parts.c.responder, parts.c.urgency, parts.c.state, func.count())
                              .group_by(parts.c.responder, parts.c.urgency, parts.c.state)).all()
    for responder, urgency_value, state_value, count in live:
        key = (responder, urgency_value, state_value)
        outcomes[key] = outcomes.get(key, 0) + count
    return _first_rows(outcomes)


def _first_rows(outcomes: dict):
    groups: dict = {}
    sla: dict = {}
    for (responder, urgency, state), count in outcomes.items():
        if not count:
            continue
        figures = groups.setdefault(responder, [0, 0, 0, 0])
        figures[0] += count
        figures[1] += count if state in UNANSWERED else 0
        figures[2] += count if state == "met" else 0
        figures[3] += count if state == "late" else 0
        if SLA_OF[state] is not None:
            sla[(urgency, SLA_OF[state])] = sla.get((urgency, SLA_OF[state]), 0) + count
    return ([(responder, *figures) for responder, figures in groups.items()],
            [(urgency, state, count) for (urgency, state), count in sla.items()])


def _per_user(table: str, user_column: str, date_column, group_column, start, end, channel, extra=()):
    """(user, rows, rows) per user: the rollup's whole days plus the partial days counted live."""
    days = whole_days(start, end)
    totals: dict = {}
    if days is not None:
        rows = db.session.execute(text(
            f"SELECT {user_column}, sum(count) FROM {table} WHERE day >= :start AND day < :end" +
            (" AND channel_id = :channel" if channel else "") + " GROUP BY 1"),
            {"start": days[0], "end": days[1], "channel": channel}).all()
        for user, count in rows:
            totals[user or None] = totals.get(user or None, 0) + int(count)
    channel_column = date_column.table.c.channel_id
    live = db.session.execute(select(group_column, func.count()).where(
        _edges(date_column, start, end, days), *extra, *([channel_column == channel] if channel else []))
        .group_by(group_column)).all()
    for user, count in live:
        totals[user] = totals.get(user, 0) + count
    return [(user, count, count) for user, count in totals.items() if count]


def resolved_counts(start, end, channel):
    return _per_user("stat_cycle_resolved", "resolver_id", Cycle.resolved_at, Cycle.resolver_id, start, end, channel)


def reply_counts(start, end, channel):
    return _per_user("stat_reply", "user_id", ReplyEvent.replied_at, ReplyEvent.user_id, start, end, channel)
