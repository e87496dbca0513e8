"""The trigger-maintained count rollups (PostgreSQL) agree with a full recomputation from the tables.

After the scenario's inserts, replies, resolutions and moderation, and after more changes
(reopening by a message and by staff, a reclassification that moves an SLA deadline, a late
reply, a deleted conversation), the rollup tables equal a rebuild from scratch, and every
dashboard figure equals the one counted from the tables only, with and without filters and for
periods that start and end inside a day.
"""
import pytest
from sqlalchemy import text

from inbox.extensions import db
from inbox.models import Conversation, Message
from inbox.services import conversations, count_rollup
from inbox.services.dashboard import dashboard
from inbox.services.stats_filters import StatsFilters

from .scenario import NOW, Clock, Scenario, paris

TABLES = {"stat_cycle_first": ("day, channel_id, responder_id, urgency, state", "count"),
          "stat_cycle_resolved": ("day, channel_id, resolver_id", "count"),
          "stat_reply": ("day, channel_id, user_id", "count"),
          "stat_conversation_status": ("channel_id, status", "delta")}


# The count rollups exist on PostgreSQL only (SQLite always counts from the tables): these tests
# are not collected for SQLite (see tests/conftest.py), rather than skipped.
pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def scenario(factory, monkeypatch, backend):
    assert backend == "postgresql"
    built = Scenario(factory, Clock(monkeypatch))
    built.ids = built.build()
    return built


def rollup_rows() -> dict:
    rows = {}
    for table, (keys, value) in TABLES.items():
        rows[table] = sorted(db.session.execute(text(
            f"SELECT {keys}, sum({value}) FROM {table} GROUP BY {keys} HAVING sum({value}) <> 0")).all())
    return rows


def figures(monkeypatch, live: bool, **args) -> dict:
    monkeypatch.setattr(count_rollup, "ENABLED", not live)
    filters = StatsFilters.from_args({"from": "2025-11-01", "to": "2025-12-02", **args}, now=NOW)
    assert not filters.errors
    result = dashboard(filters, now=NOW)
    result.pop("generated_at")
    return result


def more_changes(scenario):
    fb, md, alice, bob = scenario.facebook, scenario.mastodon, scenario.alice, scenario.bob
    ids = scenario.ids
    # Conversation 2 (resolved) is reopened by a citizen's message, answered late by Bob.
    again = scenario.inbound(md, "t2", paris(2025, 12, 1, 10, 15), "normal", "neutral")
    scenario.reply(again, bob, paris(2025, 12, 1, 11, 50))
    # Conversation 1's second cycle is resolved, then reopened by staff (a cycle with no clock).
    c1 = Message.query.filter_by(conversation_id=ids["c1"], direction="in").first()
    scenario.resolve(c1, bob, paris(2025, 11, 26, 10, 0))
    scenario.clock.at(paris(2025, 11, 27, 9, 0))
    conversations.set_status(db.session.get(Conversation, ids["c1"]), "open", alice)
    db.session.commit()
    # Conversation 6's message is reclassified critical: its deadline moves (running -> breached).
    c6 = Message.query.filter_by(conversation_id=ids["c6"], direction="in").one()
    c6.urgency = "critical"
    conversations.refresh_classification([ids["c6"]])
    db.session.commit()
    # Conversation 4 (low, unanswered) gets an answer; conversation 5 is deleted with its cycles.
    c4 = Message.query.filter_by(conversation_id=ids["c4"], direction="in").one()
    scenario.reply(c4, alice, paris(2025, 11, 24, 16, 45))
    db.session.commit()
    db.session.execute(text("DELETE FROM conversation WHERE id = :id"), {"id": ids["c5"]})  # cascades in SQL
    db.session.commit()
    db.session.expire_all()


def test_rollups_equal_a_rebuild_after_every_kind_of_change(scenario):
    assert rollup_rows()["stat_reply"], "the triggers wrote nothing"
    maintained = rollup_rows()
    count_rollup.rebuild()
    assert rollup_rows() == maintained
    more_changes(scenario)
    maintained = rollup_rows()
    deltas = db.session.execute(text("SELECT count(*) FROM stat_conversation_status")).scalar()
    count_rollup.compact()  # what the sweep does: fewer rows, the same sums
    assert rollup_rows() == maintained
    assert db.session.execute(text("SELECT count(*) FROM stat_conversation_status")).scalar() < deltas
    count_rollup.rebuild()
    assert rollup_rows() == maintained


@pytest.mark.parametrize("args", [
    {},
    {"from": "2025-11-25T10:30:00+01:00", "to": "2025-12-01T09:35:00+01:00"},  # inside days at both ends
    {"from": "2025-11-25T00:00:00+00:00", "to": "2025-11-29T00:00:00+00:00"},  # whole UTC days only
    {"from": "2025-11-25T10:05:00+01:00", "to": "2025-11-25T17:50:00+01:00"},  # no whole day
])
def test_dashboard_figures_equal_the_recomputation(scenario, monkeypatch, args):
    more_changes(scenario)
    for extra in ({}, {"channel": str(scenario.facebook.id)}, {"channel": str(scenario.mastodon.id)},
                  {"label": str(scenario.ids["label"])}):
        assert figures(monkeypatch, False, **args, **extra) == figures(monkeypatch, True, **args, **extra), extra


def test_hand_counted_figures_come_from_the_rollups(scenario, monkeypatch):
    """The worked example's SLA, agent and backlog figures, read through the rollups."""
    data = figures(monkeypatch, False)
    assert data["backlog"]["by_status"] == {"open": 5, "pending": 0, "resolved": 1, "snoozed": 0}
    assert (data["sla"]["all"]["met"], data["sla"]["all"]["breached"], data["sla"]["normal"]["running"]) == (3, 2, 1)
    assert data["first_response"]["unanswered"] == 3
    agents = {row["name"]: row for row in data["agents"]}
    assert (agents["Alice"]["replies"], agents["Alice"]["resolved"], agents["Bob"]["replies"]) == (2, 2, 3)
