"""Dashboard figures against the hand count of the scenario (docs/metrics.md, worked example)."""
import pytest

from inbox.models import ConversationCycle, ReplyEvent
from inbox.services.dashboard import dashboard
from inbox.services.stats_filters import StatsFilters

from .scenario import NOW, Clock, Scenario

H = 3600


@pytest.fixture
def scenario(factory, monkeypatch):
    built = Scenario(factory, Clock(monkeypatch))
    built.ids = built.build()
    return built


def figures(**args):
    filters = StatsFilters.from_args({"from": "2025-11-01", "to": "2025-12-02", **args}, now=NOW)
    assert not filters.errors
    return dashboard(filters, now=NOW)


def test_cycles_and_reply_events_follow_reopenings_and_ignore_notes(scenario):
    cycles = ConversationCycle.query.filter_by(conversation_id=scenario.ids["c1"]).order_by("seq").all()
    assert [c.seq for c in cycles] == [1, 2]
    assert cycles[0].first_response_seconds == 20 * 60 and cycles[0].resolution_seconds == 2 * H
    assert cycles[0].first_responder_id == scenario.alice.id and cycles[0].resolver_id == scenario.alice.id
    assert cycles[1].first_response_seconds == 16 * H and cycles[1].first_response_business_seconds == 1 * H
    assert cycles[1].resolved_at is None
    events = ReplyEvent.query.filter_by(conversation_id=scenario.ids["c1"]).order_by(ReplyEvent.replied_at).all()
    assert [(e.is_first, e.wait_seconds) for e in events] == [(True, 1200), (False, 2700), (True, 16 * H)]


def test_first_response_reply_and_resolution_times(scenario):
    data = figures()
    # First responses: 1200 (c1), 57600 (c1 reopened), 145800 (c3, holiday), 232200 (c2, weekend).
    assert data["first_response"]["wall"] == {"count": 4, "median": 101700, "p90": 206280}
    # Business: 1200, 3600, 5400, 16200.
    assert data["first_response"]["business"] == {"count": 4, "median": 4500, "p90": 12960}
    assert data["first_response"]["unanswered"] == 3
    assert data["reply_time"]["wall"] == {"count": 1, "median": 2700, "p90": 2700}
    # Resolutions: 7200 (c1) and 232800 (c2); business 7200 and 16800.
    assert data["resolution"]["wall"] == {"count": 2, "median": 120000, "p90": 210240}
    assert data["resolution"]["business"] == {"count": 2, "median": 12000, "p90": 15840}


def test_sla_per_urgency(scenario):
    sla = figures()["sla"]
    assert {k: sla["critical"][k] for k in ("met", "breached", "running", "percent_met")} == \
        {"met": 1, "breached": 1, "running": 0, "percent_met": 50.0}
    assert (sla["high"]["breached"], sla["high"]["percent_met"]) == (1, 0.0)
    assert (sla["normal"]["met"], sla["normal"]["running"], sla["normal"]["percent_met"]) == (2, 1, 100.0)
    assert sla["low"]["percent_met"] is None and sum(sla["low"][s] for s in ("met", "breached", "running")) == 0
    assert (sla["all"]["met"], sla["all"]["breached"], sla["all"]["percent_met"]) == (3, 2, 60.0)


def test_volume_heatmap_and_trends(scenario):
    volume = figures()["volume"]
    assert volume["total"] == 8
    assert {row["name"]: row["count"] for row in volume["by_channel"]} == {"Facebook": 6, "Mastodon": 2}
    assert {d: n for d, n in volume["by_day"].items() if n} == {
        "2025-11-10": 1, "2025-11-24": 1, "2025-11-25": 3, "2025-11-28": 1, "2025-12-01": 1, "2025-12-02": 1}
    assert len(volume["days"]) == 32
    cells = {(d, h): n for d, row in enumerate(volume["heatmap"]) for h, n in enumerate(row) if n}
    assert cells == {(1, 10): 1, (1, 11): 2, (1, 17): 1, (0, 17): 1, (0, 14): 1, (0, 20): 1, (4, 17): 1}
    assert volume["sentiment_by_day"]["negative"]["2025-11-25"] == 2
    assert volume["urgency_by_day"]["critical"]["2025-12-01"] == 1


def test_backlog_agents_and_moderation(scenario):
    data = figures()
    backlog = data["backlog"]
    assert backlog["open"] == 5 and backlog["waiting"] == 3
    assert backlog["age_buckets"] == {"0-1h": 1, "1-4h": 0, "4-8h": 0, "8-24h": 1, ">24h": 1}
    assert backlog["oldest_waiting"]["conversation_id"] == scenario.ids["c4"]
    agents = {row["name"]: row for row in data["agents"]}
    assert {k: agents["Alice"][k] for k in ("replies", "median_first_response_seconds", "resolved",
                                             "sla_percent_met")} == \
        {"replies": 2, "median_first_response_seconds": 116700, "resolved": 2, "sla_percent_met": 50.0}
    assert {k: agents["Bob"][k] for k in ("replies", "median_first_response_seconds", "resolved",
                                           "sla_percent_met")} == \
        {"replies": 3, "median_first_response_seconds": 101700, "resolved": 0, "sla_percent_met": 100.0}
    assert data["moderation"]["by_reason"]["offensive"] == 1 and data["moderation"]["total"] == 1


def test_channel_and_label_filters(scenario):
    labelled = figures(label=str(scenario.ids["label"]))
    assert labelled["first_response"]["wall"]["median"] == 189000
    assert labelled["volume"]["total"] == 2
    mastodon = figures(channel=str(scenario.mastodon.id))
    assert mastodon["volume"]["total"] == 2 and mastodon["backlog"]["waiting"] == 1
    assert mastodon["sla"]["all"]["breached"] == 1


def test_bad_filters_are_named(app):
    with app.app_context():
        filters = StatsFilters.from_args({"from": "2025-13-01", "channel": "x"}, now=NOW)
    assert set(filters.errors) == {"from", "channel"}


def test_the_hourly_rollup_gives_the_same_figures_before_and_after_refresh(scenario):
    from datetime import timedelta

    from inbox.extensions import db
    from inbox.models import Message, MessageHourStat
    from inbox.models.base import utcnow
    from inbox.services import rollup

    before = figures()["volume"]
    assert rollup.refresh() > 0 and MessageHourStat.query.count() > 0
    assert figures()["volume"] == before
    # A message reclassified after the refresh is counted from the messages until the next one.
    message = Message.query.filter_by(direction="in", sentiment="positive").one()
    message.sentiment, message.classified_at = "negative", utcnow() + timedelta(seconds=1)
    db.session.commit()
    after = figures()["volume"]
    assert after["sentiment_by_day"]["positive"]["2025-11-24"] == 0
    assert after["sentiment_by_day"]["negative"]["2025-11-24"] == 1
    rollup.refresh()
    assert figures()["volume"] == after


def test_recompute_after_a_calendar_change(app, scenario):
    from flask import g

    from inbox.extensions import db
    from inbox.services import settings

    always = {"timezone": "Europe/Paris", "public_holidays": False, "hours": {d: [["00:00", "24:00"]] for d in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}}
    settings.save_calendar(always)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["stats-recompute"])
    assert result.exit_code == 0 and "cycles recomputed" in result.output
    db.session.expire_all()
    g.pop("_parvis_settings", None)
    data = figures()
    assert data["first_response"]["business"] == data["first_response"]["wall"]
    assert data["resolution"]["business"] == data["resolution"]["wall"]
