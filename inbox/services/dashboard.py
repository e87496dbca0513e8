"""Every figure of the supervisor dashboard, exactly as defined in docs/metrics.md."""
from concurrent.futures import ThreadPoolExecutor
from threading import Lock
from datetime import date, datetime, timedelta, timezone

from flask import current_app

from sqlalchemy import and_, case, func, or_, select, text, tuple_

from ..extensions import db
from ..models import (
    MODERATION_REASONS, SENTIMENTS, URGENCIES, Channel, Conversation, ConversationCycle, Message,
    ModerationAction, ReplyEvent, User,
)
from ..models.base import utcnow
from . import count_rollup, rollup, settings
from .stats_filters import StatsFilters, distribution_tasks, grouped_distributions, merge_distributions

AGE_BUCKETS = (("0-1h", 0, 1), ("1-4h", 1, 4), ("4-8h", 4, 8), ("8-24h", 8, 24), (">24h", 24, None))
SLA_STATES = ("met", "breached", "running", "cancelled")
# Concurrent queries per dashboard on PostgreSQL (each takes a connection from the pool).
PARALLEL_QUERIES = 4
Cycle = ConversationCycle


def sla_state_expression(now: datetime):
    """The SLA state of a cycle in SQL; the same rules as ConversationCycle.sla_state."""
    due, answered, resolved = Cycle.sla_due_at, Cycle.first_response_at, Cycle.resolved_at
    return case(
        (answered.is_not(None), case((answered <= due, "met"), else_="breached")),
        (and_(resolved.is_not(None), resolved <= due), "cancelled"),
        (or_(resolved.is_not(None), due < now), "breached"),
        else_="running",
    )


def urgency_expression():
    """A cycle's SLA urgency; unclassified messages count as normal (services.sla)."""
    return func.coalesce(Cycle.urgency, "normal")


def cycle_scope(filters: StatsFilters) -> list:
    """Cycles whose first-response clock started in the range."""
    return [Cycle.first_inbound_at >= filters.start, Cycle.first_inbound_at < filters.end,
            *filters.scope(Cycle.channel_id, Cycle.conversation_id)]


def message_scope(filters: StatsFilters) -> list:
    return [Message.direction == "in", Message.created_at >= filters.start, Message.created_at < filters.end,
            *filters.scope(Message.channel_id, Message.conversation_id)]


def _timing_queries(filters: StatsFilters, now: datetime) -> dict:
    """The response, reply and resolution time queries, overall and per agent: (tasks, merge).

    On PostgreSQL every percentile and every count query is a task of its own, run concurrently
    (stats_filters.distribution_tasks); `merge(results)` regroups them per table. SQLite reads the
    durations once per table and computes the same formulas in Python.
    """
    scope_replies = [ReplyEvent.replied_at >= filters.start, ReplyEvent.replied_at < filters.end,
                     *filters.scope(ReplyEvent.channel_id, ReplyEvent.conversation_id)]
    later = ReplyEvent.is_first.is_(False)
    resolved = [Cycle.resolved_at >= filters.start, Cycle.resolved_at < filters.end,
                *filters.scope(Cycle.channel_id, Cycle.conversation_id)]
    first = dict(columns={"wall": Cycle.first_response_seconds, "business": Cycle.first_response_business_seconds},
                 where=cycle_scope(filters), group=Cycle.first_responder_id,
                 counts={"unanswered": Cycle.first_response_at.is_(None),
                         "sla_met": Cycle.first_response_at <= Cycle.sla_due_at,
                         "sla_breached": Cycle.first_response_at > Cycle.sla_due_at},
                 per_group=("wall", "sla_met", "sla_breached"))
    reply = dict(columns={"wall": case((later, ReplyEvent.wait_seconds)),
                          "business": case((later, ReplyEvent.wait_business_seconds))},
                 where=scope_replies, group=ReplyEvent.user_id, counts={"replies": ReplyEvent.replied_at.is_not(None)},
                 per_group=("replies",))
    resolution = dict(columns={"wall": Cycle.resolution_seconds, "business": Cycle.resolution_business_seconds},
                      where=resolved, group=Cycle.resolver_id, counts={"resolved": Cycle.resolved_at.is_not(None)},
                      per_group=("resolved",))
    specs = {"first": first, "reply": reply, "resolution": resolution}
    if db.engine.dialect.name == "postgresql":
        # The bare column and its condition, so that the partial index on later replies serves it.
        reply["columns"] = {"wall": (ReplyEvent.wait_seconds, ~ReplyEvent.is_first),
                            "business": (ReplyEvent.wait_business_seconds, ~ReplyEvent.is_first)}
        # The SLA states per urgency come from the same pass as the first-response counts.
        first["extra_set"] = {"sla": (urgency_expression(),
                                      case((Cycle.sla_due_at.is_(None), None), else_=sla_state_expression(now)))}
        planned = {name: distribution_tasks(**spec) for name, spec in specs.items()}
        tasks = {(name, *key): task for name, plan in planned.items() for key, task in plan["tasks"].items()}
        if not filters.label and count_rollup.ENABLED:
            # Counts from the trigger-maintained hourly rollups (services/count_rollup.py).
            span = (filters.start, filters.end, filters.channel)
            tasks[("first", "counts")] = lambda: count_rollup.first_counts(*span, now)
            tasks[("resolution", "counts")] = lambda: count_rollup.resolved_counts(*span)
            tasks[("reply", "counts")] = lambda: count_rollup.reply_counts(*span)

        def merge(results: dict) -> dict:
            merged = {key: value for key, value in results.items() if not isinstance(key, tuple)}
            for name, plan in planned.items():
                merged[name] = merge_distributions(plan, {key[1:]: value for key, value in results.items()
                                                          if isinstance(key, tuple) and key[0] == name})
            merged["sla"] = merged["first"]["sets"]["sla"]
            return merged

        return tasks, merge
    tasks = {name: (lambda spec=spec: grouped_distributions(**spec)) for name, spec in specs.items()}
    return {**tasks, "sla": lambda: _sla(filters, now)}, dict


def _timings(results: dict) -> dict:
    first, reply, resolution = (results[n]["all"] for n in ("first", "reply", "resolution"))
    return {
        "first_response": {"wall": first["wall"], "business": first["business"], "unanswered": first["unanswered"]},
        "reply_time": {"wall": reply["wall"], "business": reply["business"]},
        "resolution": {"wall": resolution["wall"], "business": resolution["business"]},
    }


def _sla_figures(rows) -> dict:
    """The SLA table from (urgency, state, count) rows."""
    result = {u: {s: 0 for s in SLA_STATES} for u in URGENCIES}
    for urgency_value, state_value, count in rows:
        if state_value is not None:
            result[urgency_value][state_value] += count
    total = {s: sum(result[u][s] for u in URGENCIES) for s in SLA_STATES}
    for figures in (*result.values(), total):
        decided = figures["met"] + figures["breached"]
        figures["percent_met"] = round(100 * figures["met"] / decided, 1) if decided else None
    result["all"] = total
    result["targets"] = settings.sla_targets()
    return result


def _sla(filters: StatsFilters, now: datetime) -> list:
    state, urgency = sla_state_expression(now), urgency_expression()
    return db.session.execute(select(urgency, state, func.count()).where(
        *cycle_scope(filters), Cycle.sla_due_at.is_not(None)).group_by(urgency, state)).all()


def _local_hours(filters: StatsFilters):
    """(local hour start, channel, sentiment, urgency, count) of inbound messages in the range."""
    zone = settings.calendar().zone
    if not filters.label:
        return [(h.astimezone(zone).replace(tzinfo=None), c, s, u, n)
                for h, c, s, u, n in rollup.hourly_counts(filters.start, filters.end, filters.channel)]
    where = message_scope(filters)
    if db.engine.dialect.name == "postgresql":
        hour = func.date_trunc("hour", func.timezone(zone.key, Message.created_at))
        rows = db.session.execute(select(hour, Message.channel_id, Message.sentiment, Message.urgency, func.count())
                                  .where(*where).group_by(hour, Message.channel_id, Message.sentiment,
                                                          Message.urgency)).all()
        return [(h, c, s, u, n) for h, c, s, u, n in rows]
    rows = db.session.execute(select(Message.created_at, Message.channel_id, Message.sentiment, Message.urgency)
                              .where(*where)).all()
    return [(created.astimezone(zone).replace(minute=0, second=0, microsecond=0, tzinfo=None), c, s, u, 1)
            for created, c, s, u in rows]


def _volume_postgresql(filters: StatsFilters, zone):
    """Inbound messages per local day and channel, and per local weekday and hour, in one query.

    The rollup (plus the live messages, see rollup.sources) is first summed per instant and
    channel, with one column per sentiment and urgency; only those rows (one per UTC hour and
    channel) are converted to local time and regrouped (GROUPING SETS). Rows:
    (day, None, None, channel, total, *per sentiment, *per urgency) and
    (None, weekday, hour, None, total, ...).
    """
    source = rollup.sources(filters.start, filters.end, filters.channel)
    sums = [func.sum(source.c.n).label("total")] + \
        [func.sum(source.c.n).filter(source.c.sentiment == s).label(f"s_{s}") for s in SENTIMENTS] + \
        [func.sum(source.c.n).filter(source.c.urgency == u).label(f"u_{u}") for u in URGENCIES]
    hourly = select(source.c.ts, source.c.channel_id, *sums).group_by(source.c.ts, source.c.channel_id).cte("hourly")
    local = func.timezone(zone.key, hourly.c.ts)
    day, weekday, hour = func.date(local), func.extract("isodow", local) - 1, func.extract("hour", local)
    totals = [func.sum(column) for column in list(hourly.c)[2:]]
    return db.session.execute(select(day, weekday, hour, hourly.c.channel_id, *totals).group_by(func.grouping_sets(
        tuple_(day, hourly.c.channel_id), tuple_(weekday, hour)))).all()


def _volume(filters: StatsFilters) -> dict:
    zone = settings.calendar().zone
    first_day = filters.start.astimezone(zone).date()
    last_day = (filters.end - timedelta(microseconds=1)).astimezone(zone).date()
    days = [(first_day + timedelta(days=i)).isoformat() for i in range((last_day - first_day).days + 1)]
    by_day = {d: 0 for d in days}
    by_day_channel: dict = {}
    sentiment_by_day = {s: {d: 0 for d in days} for s in (*SENTIMENTS, "unclassified")}
    urgency_by_day = {u: {d: 0 for d in days} for u in (*URGENCIES, "unclassified")}
    heatmap = [[0] * 24 for _ in range(7)]
    by_channel: dict = {}
    if db.engine.dialect.name == "postgresql" and not filters.label:
        for day, weekday, hour, channel_id, count, *parts in _volume_postgresql(filters, zone):
            count = int(count)
            if day is None:
                heatmap[int(weekday)][int(hour)] += count
                continue
            day = day.isoformat()
            by_day[day] = by_day.get(day, 0) + count
            by_day_channel.setdefault(channel_id, {d: 0 for d in days})
            by_day_channel[channel_id][day] = by_day_channel[channel_id].get(day, 0) + count
            by_channel[channel_id] = by_channel.get(channel_id, 0) + count
            sentiments = [int(n or 0) for n in parts[:len(SENTIMENTS)]]
            urgencies = [int(n or 0) for n in parts[len(SENTIMENTS):]]
            for sentiment, n in zip(SENTIMENTS, sentiments):
                sentiment_by_day[sentiment][day] += n
            for urgency, n in zip(URGENCIES, urgencies):
                urgency_by_day[urgency][day] += n
            # Anything else (pending, failed, an unknown value) is "unclassified".
            sentiment_by_day["unclassified"][day] += count - sum(sentiments)
            urgency_by_day["unclassified"][day] += count - sum(urgencies)
        rows = []
    else:
        rows = _local_hours(filters)
    for hour, channel_id, sentiment, urgency, count in rows:
        day = hour.date().isoformat()
        by_day[day] = by_day.get(day, 0) + count
        by_day_channel.setdefault(channel_id, {d: 0 for d in days})
        by_day_channel[channel_id][day] = by_day_channel[channel_id].get(day, 0) + count
        sentiment_by_day[sentiment if sentiment in SENTIMENTS else "unclassified"][day] += count
        urgency_by_day[urgency if urgency in URGENCIES else "unclassified"][day] += count
        heatmap[hour.weekday()][hour.hour] += count
        by_channel[channel_id] = by_channel.get(channel_id, 0) + count
    names = dict(db.session.execute(select(Channel.id, Channel.name)).all())
    return {
        "total": sum(by_day.values()), "days": days, "by_day": by_day,
        "by_channel": [{"channel_id": cid, "name": names.get(cid), "count": n, "by_day": by_day_channel[cid]}
                       for cid, n in sorted(by_channel.items(), key=lambda item: -item[1])],
        "heatmap": heatmap, "sentiment_by_day": sentiment_by_day, "urgency_by_day": urgency_by_day,
    }


def _backlog(filters: StatsFilters, now: datetime) -> dict:
    waiting = [Conversation.status == "open", Conversation.waiting_since.is_not(None),
               *filters.scope(Conversation.channel_id, Conversation.id)]
    buckets = [func.count(case((and_(Conversation.waiting_since <= now - timedelta(hours=low),
                                     *([Conversation.waiting_since > now - timedelta(hours=high)] if high else [])),
                                1))) for _, low, high in AGE_BUCKETS]
    row = db.session.execute(select(func.count(), *buckets).where(*waiting)).one()
    oldest = db.session.execute(select(Conversation.id, Conversation.waiting_since).where(*waiting)
                                .order_by(Conversation.waiting_since, Conversation.id).limit(1)).first()
    if db.engine.dialect.name == "postgresql" and not filters.label and count_rollup.ENABLED:
        statuses = count_rollup.status_counts(filters.channel)
    else:
        statuses = dict(db.session.execute(select(Conversation.status, func.count()).where(
            *filters.scope(Conversation.channel_id, Conversation.id)).group_by(Conversation.status)).all())
    return {
        "open": statuses.get("open", 0),
        "by_status": {s: statuses.get(s, 0) for s in ("open", "pending", "resolved", "snoozed")},
        "waiting": row[0],
        "age_buckets": {name: row[i + 1] for i, (name, _, _) in enumerate(AGE_BUCKETS)},
        "oldest_waiting": None if oldest is None else {
            "conversation_id": oldest.id, "waiting_since": oldest.waiting_since.isoformat(),
            "waiting_seconds": (now - oldest.waiting_since).total_seconds()},
    }


def _agents(results: dict) -> list:
    """The per-agent table from the per-user parts of the timing queries."""
    first, replies, resolved = (results[n]["groups"] for n in ("first", "reply", "resolution"))
    ids = {i for i in (*first, *replies, *resolved) if i is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    table = []
    for user_id in sorted(ids, key=lambda i: (users[i].name.lower(), i)):
        mine = first.get(user_id, {})
        met, breached = mine.get("sla_met", 0), mine.get("sla_breached", 0)
        table.append({
            "user_id": user_id, "name": users[user_id].name,
            "replies": replies.get(user_id, {}).get("replies", 0),
            "first_responses": mine.get("wall", {}).get("count", 0),
            "median_first_response_seconds": mine.get("wall", {}).get("median"),
            "resolved": resolved.get(user_id, {}).get("resolved", 0), "sla_met": met, "sla_breached": breached,
            "sla_percent_met": round(100 * met / (met + breached), 1) if met + breached else None,
        })
    return table


def _moderation(filters: StatsFilters) -> dict:
    rows = dict(db.session.execute(select(ModerationAction.reason, func.count())
                                   .join(Message, Message.id == ModerationAction.message_id).where(
        ModerationAction.action.in_(("hide", "delete")), ModerationAction.created_at >= filters.start,
        ModerationAction.created_at < filters.end, *filters.scope(Message.channel_id, Message.conversation_id))
        .group_by(ModerationAction.reason)).all())
    return {"total": sum(rows.values()), "by_reason": {r: rows.get(r, 0) for r in MODERATION_REASONS}}


def _run(tasks: dict) -> dict:
    """Run independent queries; on PostgreSQL concurrently, on PARALLEL_QUERIES connections.

    Each connection (one thread, one session) takes the next task until none is left, so a
    dashboard opens at most PARALLEL_QUERIES sessions whatever the number of queries.
    """
    if db.engine.dialect.name != "postgresql":
        return {name: task() for name, task in tasks.items()}
    app = current_app._get_current_object()
    # The percentile queries first: they are the longest, the short ones fill in behind them.
    queue = sorted(tasks.items(), key=lambda item: not (isinstance(item[0], tuple) and item[0][1] in ("all", "groups")))
    lock = Lock()
    results: dict = {}

    def worker():
        with app.app_context():
            try:
                # percentile_cont keeps every value of the range (already sorted) in memory.
                db.session.execute(text("SET LOCAL work_mem = '64MB'"))
                while True:
                    with lock:
                        if not queue:
                            return
                        name, task = queue.pop(0)
                    results[name] = task()
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
        for future in [pool.submit(worker) for _ in range(min(PARALLEL_QUERIES, len(queue)))]:
            future.result()
    return results


def dashboard(filters: StatsFilters, now: datetime | None = None) -> dict:
    """Every dashboard figure for these filters (the page, the JSON API and the benchmark)."""
    now = now or utcnow()
    timing_tasks, merge = _timing_queries(filters, now)
    results = merge(_run({
        "volume": lambda: _volume(filters), "backlog": lambda: _backlog(filters, now),
        "moderation": lambda: _moderation(filters), **timing_tasks,
    }))
    volume, backlog = results["volume"], results["backlog"]
    return {
        # The first API's keys, kept for its clients.
        "from": filters.start.isoformat(), "to": filters.end.isoformat(),
        "conversations": backlog["by_status"], "messages_received": volume["total"],
        "urgency": {u: sum(volume["urgency_by_day"][u].values()) for u in URGENCIES},
        "sentiment": {s: sum(volume["sentiment_by_day"][s].values()) for s in SENTIMENTS},
        "oldest_waiting": backlog["oldest_waiting"],
        "range": {"from": filters.start.isoformat(), "to": filters.end.isoformat(),
                  "channel": filters.channel, "label": filters.label,
                  "timezone": settings.calendar().timezone},
        "generated_at": now.isoformat(),
        **_timings(results),
        "sla": _sla_figures(results["sla"]),
        "volume": volume,
        "backlog": backlog,
        "agents": _agents(results),
        "moderation": results["moderation"],
    }


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    zone = settings.calendar().zone
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
