"""Shared steps for the inbox browser tests."""
from pathlib import Path

from playwright.sync_api import expect

from inbox.extensions import db
from inbox.models import Conversation
from tests.helpers import post_signed

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"


def sign_in(page, base_url, user, password="correct horse battery"):
    page.goto(f"{base_url}/login")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Boîte de réception")).to_be_visible()


def new_conversation(app, factory, channel, text, **extra) -> Conversation:
    response = post_signed(app.test_client(), channel, factory.payload(text=text, **extra))
    assert response.status_code == 201, response.get_data(as_text=True)
    return db.session.get(Conversation, response.get_json()["conversation_id"])


def axe_violations(page) -> list[dict]:
    """Serious or critical axe-core violations on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def ready(page):
    """Wait until the page's script has set up the shortcuts (after a navigation)."""
    page.wait_for_selector("html[data-ready]", state="attached")


def live(page):
    """Wait until the page's live stream is connected (the server has subscribed to events)."""
    page.wait_for_selector('html[data-live="1"]', state="attached")
