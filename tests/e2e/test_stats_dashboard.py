"""The dashboard in Chromium: charts drawn by the vendored Chart.js from the JSON block, no errors."""
import pytest

from tests.stats.scenario import Clock, Scenario

pytestmark = pytest.mark.e2e


def test_dashboard_draws_its_charts(app, factory, monkeypatch, live_server, page):
    scenario = Scenario(factory, Clock(monkeypatch))
    scenario.build()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", scenario.supervisor.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/stats/?from=2025-11-01&to=2025-12-02")
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length === 4")
    drawn = page.evaluate("() => Object.values(window.Chart.instances).map(c => c.data.datasets.length)")
    assert sorted(drawn) == [1, 2, 4, 5]  # SLA, channels, sentiments (+ unclassified), urgencies (+ unclassified)
    assert errors == []
    page.click("[data-figure=moderation-offensive]")
    page.wait_for_selector(".conversation-row")
    assert page.locator(".conversation-row").count() == 1
