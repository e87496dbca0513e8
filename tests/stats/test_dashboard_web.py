"""The dashboard page, drill-down to the inbox list, the CSV export and GET /api/v1/stats."""
import csv
import io
import re

import pytest

from inbox.extensions import db
from inbox.services.drilldown import DrilldownError, conversation_ids
from tests.helpers import login

from .scenario import NOW, Clock, Scenario

RANGE = {"from": "2025-11-01", "to": "2025-12-02"}


@pytest.fixture
def scenario(factory, monkeypatch):
    built = Scenario(factory, Clock(monkeypatch))
    built.ids = built.build()
    return built


def ids(**args):
    return set(db.session.scalars(conversation_ids({**RANGE, **args}, now=NOW)).all())


def test_drilldown_returns_the_conversations_behind_each_figure(scenario):
    c = scenario.ids
    assert ids(metric="first_response") == {c["c1"], c["c2"], c["c3"]}
    assert ids(metric="unanswered") == {c["c4"], c["c5"], c["c6"]}
    assert ids(metric="sla", m_urgency="critical", m_state="breached") == {c["c5"]}
    assert ids(metric="sla", m_state="running") == {c["c6"]}
    assert ids(metric="volume", m_day="2025-11-25") == {c["c1"]}
    assert ids(metric="volume", m_weekday="0", m_hour="17") == {c["c3"]}
    assert ids(metric="volume", m_sentiment="positive") == {c["c4"]}
    assert ids(metric="agent", m_agent=str(scenario.alice.id), m_kind="resolved") == {c["c1"], c["c2"]}
    assert ids(metric="moderation", m_reason="offensive") == {c["c3"]}
    assert ids(metric="volume", label=str(c["label"])) == {c["c2"], c["c3"]}
    with pytest.raises(DrilldownError) as error:
        ids(metric="sla", m_state="late")
    assert "m_state" in error.value.errors


def test_dashboard_page_links_figures_to_the_inbox_list(client, scenario):
    login(client, scenario.supervisor)
    page = client.get("/stats/?from=2025-11-01&to=2025-12-02").get_data(as_text=True)
    assert "Temps de première réponse" in page and "Délais respectés par urgence" in page
    assert re.search(r'data-figure="first_response-median">28 h 15 min<', page)
    assert 'data-figure="volume-total">8<' in page
    assert 'id="stats-data"' in page and "chart.umd.min.js" in page and "<script>" not in page
    link = re.search(r'href="([^"]*m_reason=offensive[^"]*)"', page).group(1).replace("&amp;", "&")
    listing = client.get(link).get_data(as_text=True)
    assert listing.count('class="conversation-row') == 1
    assert f'data-conversation-id="{scenario.ids["c3"]}"' in listing
    assert client.get("/?metric=sla&m_state=late").status_code == 400


def test_csv_export_has_one_row_per_conversation_with_timings(client, scenario):
    login(client, scenario.supervisor)
    response = client.get("/stats/export.csv?from=2025-11-01&to=2025-12-02")
    assert response.mimetype == "text/csv"
    rows = {int(r["conversation_id"]): r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert set(rows) == {v for k, v in scenario.ids.items() if k != "label"}
    first = rows[scenario.ids["c1"]]
    assert (first["cycles"], first["reopenings"], first["first_response_seconds"]) == ("2", "1", "1200")
    assert first["cycle_first_response_seconds"] == "1200;57600"
    assert first["cycle_first_response_business_seconds"] == "1200;3600"
    assert (first["reply_time_seconds"], first["resolution_seconds"], first["replies"]) == ("2700", "7200", "3")
    assert rows[scenario.ids["c2"]]["labels"] == "Travaux"
    assert rows[scenario.ids["c2"]]["first_response_business_seconds"] == "16200"


def test_api_returns_every_dashboard_figure(client, factory, scenario):
    raw = factory.token(scenario.supervisor)
    auth = {"Authorization": f"Bearer {raw}"}
    data = client.get("/api/v1/stats?from=2025-11-01&to=2025-12-02", headers=auth).get_json()
    for key in ("first_response", "reply_time", "resolution", "sla", "volume", "backlog", "agents", "moderation"):
        assert key in data
    assert data["first_response"]["business"]["median"] == 4500
    bad = client.get("/api/v1/stats?channel=abc", headers=auth)
    assert bad.status_code == 400 and "channel" in bad.get_json()["errors"]
    agent_raw = factory.token(scenario.alice)
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {agent_raw}"}).status_code == 403


def test_settings_page_is_for_admins_and_validates(client, factory):
    admin = factory.user(role="admin")
    login(client, admin)
    form = {"timezone": "Europe/Paris", "hours_monday": "09:00-12:00, 14:00-17:00", "public_holidays": "1",
            "closed_days": "2026-12-24", "sla_critical_kind": "wall", "sla_critical_amount": "15",
            "sla_high_kind": "business", "sla_high_amount": "60", "sla_normal_kind": "business_days",
            "sla_normal_amount": "2", "sla_low_kind": "none"}
    assert client.post("/stats/settings", data=form).status_code == 303
    from inbox.services import settings

    db.session.expire_all()
    from flask import g
    g.pop("_parvis_settings", None)
    assert settings.sla_targets()["critical"] == {"minutes": 15, "clock": "wall"}
    assert settings.calendar().hours["monday"] == [("09:00", "12:00"), ("14:00", "17:00")]
    bad = client.post("/stats/settings", data={**form, "hours_tuesday": "18:00-09:00"})
    assert bad.status_code == 400 and "tuesday" in bad.get_data(as_text=True)
    g.pop("_parvis_settings", None)
    assert settings.calendar().hours.get("tuesday") in (None, [])
