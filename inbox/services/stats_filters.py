"""The dashboard's filters (date range, channel, label) and the SQL pieces they add to each query."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, exists, func, literal, select, tuple_
from sqlalchemy.dialects import postgresql

from ..extensions import db
from ..models import conversation_labels
from ..models.base import utcnow
from . import settings

MAX_RANGE_DAYS = 400


@dataclass
class StatsFilters:
    start: datetime
    end: datetime
    channel: int | None = None
    label: int | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args, now: datetime | None = None) -> "StatsFilters":
        """from/to are local dates (YYYY-MM-DD, both included) or ISO 8601 instants; default 30 days."""
        now = now or utcnow()
        errors = {}
        zone = settings.calendar().zone
        start = _parse(args.get("from"), zone, errors, "from", end=False)
        end = _parse(args.get("to"), zone, errors, "to", end=True)
        end = end or now
        start = start or end - timedelta(days=30)
        if start >= end:
            errors["from"] = "must be before to"
        elif end - start > timedelta(days=MAX_RANGE_DAYS):
            errors["to"] = f"the range is limited to {MAX_RANGE_DAYS} days"
        filters = cls(start=start, end=end, errors=errors)
        for name in ("channel", "label"):
            value = args.get(name) or None
            if value is not None:
                if not str(value).isdigit():
                    errors[name] = f"must be a {name} id"
                else:
                    setattr(filters, name, int(value))
        return filters

    def as_args(self) -> dict:
        """Query-string arguments reproducing these filters (for drill-down links)."""
        args = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.channel:
            args["channel"] = self.channel
        if self.label:
            args["label"] = self.label
        return args

    def scope(self, channel_column, conversation_column) -> list:
        """WHERE clauses for the channel and label filters on any table."""
        clauses = []
        if self.channel:
            clauses.append(channel_column == self.channel)
        if self.label:
            clauses.append(exists().where(conversation_labels.c.conversation_id == conversation_column,
                                          conversation_labels.c.label_id == self.label))
        return clauses


def _parse(value, zone, errors, name, end):
    if not value:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value) + timedelta(days=1 if end else 0)
            return datetime.combine(day, time(0), zone).astimezone(timezone.utc)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a date YYYY-MM-DD or an ISO 8601 date and time"
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(timezone.utc)


def percentile(values: list, q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    values = sorted(values)
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def percentiles_expression(column):
    """Median and 90th percentile from one sort (PostgreSQL's percentile_cont over an array)."""
    return func.percentile_cont(postgresql.array([0.5, 0.9])).within_group(column)


def round_seconds(seconds):
    """Durations to the millisecond: the two engines then agree to the last digit."""
    return None if seconds is None else round(float(seconds), 3)


def distribution_tasks(columns: dict, where: list, group=None, counts: dict | None = None,
                       per_group: tuple = (), extra_set: dict | None = None) -> dict:
    """PostgreSQL: the queries behind grouped_distributions() as independent callables, to run
    concurrently; merge their results with merge_distributions().

    Each percentile is its own query whose input arrives already sorted from an index on the
    duration (`ORDER BY` in a subquery, served by the narrow covering indexes of migration
    i9_stats_speed): the aggregate's sort then only checks the order instead of sorting
    ~400,000 values. Per group, the input is sorted by (group, duration) from a (group, duration)
    index. The counts of all groups come from one hashed GROUP BY; the overall counts are their
    sums. The planner still chooses a range scan and a sort when the period holds few rows.
    `extra_set` = {name: (expression, ...)}: row counts per distinct key of these expressions,
    from the same pass as the counts, in result["sets"][name] as (key, ..., count) tuples.
    """
    counts = counts or {}
    tasks = {}
    for name, column in columns.items():
        # A column may come with its own condition: (column, condition), e.g. later replies only.
        column, *only = column if isinstance(column, tuple) else (column,)
        tasks[("all", name)] = lambda column=column, only=only: _sorted_percentiles(column, [*where, *only])
        if group is not None and name in per_group:
            tasks[("groups", name)] = lambda column=column, only=only: _sorted_percentiles(
                column, [*where, *only], group)
    conditions = [func.count(case((condition, 1))) for condition in counts.values()]
    if group is not None and extra_set:
        # One hashed pass for the per-group counts and the extra grouping (e.g. SLA states).
        (extra_name, extra_keys), = extra_set.items()

        def count_query():
            rows = db.session.execute(select(func.grouping(group, *extra_keys), group, *extra_keys, func.count(),
                                             *conditions).where(*where).group_by(func.grouping_sets(
                tuple_(group), tuple_(*extra_keys)))).all()
            width = len(extra_keys)
            return [(row[1], *row[2 + width:]) for row in rows if row[0] == (1 << width) - 1], \
                [tuple(row[2:3 + width]) for row in rows if row[0] != (1 << width) - 1]
        tasks[("counts",)] = count_query
    elif group is not None:
        tasks[("counts",)] = lambda: db.session.execute(
            select(group, func.count(), *conditions).where(*where).group_by(group)).all()
    else:
        tasks[("counts",)] = lambda: db.session.execute(
            select(literal(None), func.count(), *conditions).where(*where)).all()
    return {"tasks": tasks, "counts": list(counts), "per_group": per_group, "columns": list(columns),
            "grouped": group is not None, "extra_set": extra_set}


def _sorted_percentiles(column, where, group=None):
    value = column.label("v")
    inner = select(*([group.label("g")] if group is not None else []), value).where(*where, column.is_not(None))
    inner = inner.order_by(*([group] if group is not None else []), column).subquery()
    figures = [func.count(inner.c.v), percentiles_expression(inner.c.v)]
    if group is None:
        return [(None, *db.session.execute(select(*figures)).one())]
    return db.session.execute(select(inner.c.g, *figures).group_by(inner.c.g)).all()


def merge_distributions(spec: dict, results: dict) -> dict:
    """grouped_distributions()'s result from the results of distribution_tasks(spec)'s callables."""
    def figures(count, values):
        values = values or [None, None]
        return {"count": count, "median": round_seconds(values[0]), "p90": round_seconds(values[1])}

    result = {"all": {}, "groups": {}}
    for name in spec["columns"]:
        (_, count, values), = results[("all", name)]
        result["all"][name] = figures(count, values)
        for group_value, count, values in results.get(("groups", name), []):
            result["groups"].setdefault(group_value, {})[name] = figures(count, values)
    count_rows = results[("counts",)]
    if spec.get("extra_set"):
        count_rows, result["sets"] = count_rows[0], {next(iter(spec["extra_set"])): count_rows[1]}
    totals = [0] * len(spec["counts"])
    for group_value, _, *row in count_rows:
        totals = [a + b for a, b in zip(totals, row)]
        if spec["grouped"]:
            mine = {n: c for n, c in zip(spec["counts"], row) if n in spec["per_group"]}
            if mine:
                result["groups"].setdefault(group_value, {}).update(mine)
    result["all"].update(zip(spec["counts"], totals))
    if spec["grouped"]:
        # Groups that only have counts get empty distributions, as on SQLite.
        for group_value, figures_ in result["groups"].items():
            for name in spec["columns"]:
                if name in spec["per_group"]:
                    figures_.setdefault(name, figures(0, None))
    return result


def grouped_distributions(columns: dict, where: list, group=None, counts: dict | None = None,
                          per_group: tuple = (), parts: tuple = ("all", "groups")) -> dict:
    """Distributions of several columns, overall and per value of `group`.

    Returns {"all": figures, "groups": {value: figures}} where figures maps each column name to
    {"count", "median", "p90"} and each name of `counts` (a condition) to the number of rows
    meeting it. PostgreSQL uses percentile_cont (see distribution_tasks, run here one after the
    other); SQLite computes the same formula in Python.
    """
    items, conditions = list(columns.items()), list((counts or {}).items())
    if db.engine.dialect.name == "postgresql":
        spec = distribution_tasks(columns, where, group, counts, per_group)
        return merge_distributions(spec, {key: task() for key, task in spec["tasks"].items()})
    parts = ([group] if group is not None else []) + [c for _, c in items] + \
        [case((condition, 1), else_=0) for _, condition in conditions]
    collected: dict = {}
    for row in db.session.execute(select(*parts).where(*where)):
        keys = ["all", ("group", row[0])] if group is not None else ["all"]
        row = row[1:] if group is not None else row
        for key in keys:
            bucket = collected.setdefault(key, {"values": {n: [] for n, _ in items}, "counts": {n: 0 for n, _ in conditions}})
            for (name, _), value in zip(items, row):
                if value is not None:
                    bucket["values"][name].append(value)
            for (name, _), flag in zip(conditions, row[len(items):]):
                bucket["counts"][name] += flag
    result = {"all": _empty(items, conditions), "groups": {}}
    for key, bucket in collected.items():
        figures = {name: {"count": len(v), "median": round_seconds(percentile(v, 0.5)),
                          "p90": round_seconds(percentile(v, 0.9))} for name, v in bucket["values"].items()}
        figures.update(bucket["counts"])
        if key == "all":
            result["all"] = figures
        else:
            result["groups"][key[1]] = figures
    return result


def _empty(items, conditions) -> dict:
    figures = {name: {"count": 0, "median": None, "p90": None} for name, _ in items}
    figures.update({name: 0 for name, _ in conditions})
    return figures
