"""The dashboard's filters (date range, channel, label) and the SQL pieces they add to each query."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import case, exists, func, select
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


def grouped_distributions(columns: dict, where: list, group=None, counts: dict | None = None,
                          per_group: tuple = (), parts: tuple = ("all", "groups")) -> dict:
    """Distributions of several columns, overall and per value of `group`.

    Returns {"all": figures, "groups": {value: figures}} where figures maps each column name to
    {"count", "median", "p90"} and each name of `counts` (a condition) to the number of rows
    meeting it; per group, only the columns and counts named in `per_group` are computed on
    PostgreSQL (each percentile costs a sort), and only the `parts` asked for, so that the two parts
    can run as separate concurrent queries. PostgreSQL uses percentile_cont; SQLite computes the
    same formula in Python.
    """
    items, conditions = list(columns.items()), list((counts or {}).items())
    if db.engine.dialect.name == "postgresql":
        # Two plain aggregates: with GROUPING SETS the planner walks an index in group order,
        # which is slower than a sequential scan and two in-memory sorts.
        def aggregate(grouped):
            chosen = [(n, c) for n, c in items if not grouped or n in per_group]
            tests = [(n, c) for n, c in conditions if not grouped or n in per_group]
            columns_sql = [group] if grouped else []
            for _, column in chosen:
                columns_sql += [func.count(column), percentiles_expression(column)]
            columns_sql += [func.count(case((condition, 1))) for _, condition in tests]
            query = select(*columns_sql).where(*where)
            rows = db.session.execute(query.group_by(group) if grouped else query).all()
            return [(row[0] if grouped else None, figures(row[1:] if grouped else row, chosen, tests))
                    for row in rows]

        def figures(row, chosen, tests):
            result = {}
            for i, (name, _) in enumerate(chosen):
                values = row[2 * i + 1] or [None, None]
                result[name] = {"count": row[2 * i], "median": round_seconds(values[0]),
                                "p90": round_seconds(values[1])}
            for j, (name, _) in enumerate(tests):
                result[name] = row[2 * len(chosen) + j]
            return result

        return {"all": aggregate(False)[0][1] if "all" in parts else None,
                "groups": dict(aggregate(True)) if group is not None and "groups" in parts else {}}
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
