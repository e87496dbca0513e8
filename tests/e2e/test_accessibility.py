"""axe-core finds no serious or critical violation on the inbox, conversation and stats pages, in
French and English, on a desktop and a phone-sized screen."""
import pytest
from playwright.sync_api import expect

from inbox.extensions import db
from inbox.models import Label
from tests.e2e.inbox_helpers import axe_violations, new_conversation, ready, sign_in


_WIDEST = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _widest(page) -> list[str]:
    """The last elements sticking out of the screen, to say what overflows."""
    return page.evaluate(_WIDEST)


def _data(app, factory):
    channel = factory.channel(name="Facebook · Mairie", kind="facebook")
    label = Label(name="voirie", color="#b45309")
    db.session.add(label)
    db.session.commit()
    conversation = new_conversation(app, factory, channel, "Fuite de gaz devant l'école, ça sent très fort",
                                    post={"external_id": "post-1", "text": "Travaux rue Pasteur : la circulation est modifiée.",
                                          "url": "https://facebook.example/post-1"})
    message = conversation.messages.first()
    message.classify_status, message.urgency, message.sentiment = "done", "critical", "negative"
    message.explanation = ["gaz", "école"]
    conversation.urgency, conversation.urgency_rank = "critical", 0
    conversation.labels.append(label)
    db.session.commit()
    new_conversation(app, factory, channel, "Merci pour le marché de Noël !")
    return conversation


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}],
                         ids=["desktop", "phone"])
def test_pages_have_no_serious_accessibility_violation(app, factory, live_server, browser, viewport):
    conversation = _data(app, factory)
    supervisor = factory.user(role="supervisor", name="Sophie Renard")
    context = browser.new_context(locale="fr-FR", viewport=viewport, bypass_csp=True)  # lets the test inject axe
    page = context.new_page()
    page.set_default_timeout(20000)
    try:
        sign_in(page, live_server.url, supervisor)
        for path in ("/", "/?view=all&q=gaz", f"/conversations/{conversation.id}", "/stats/", "/admin/rules",
                     "/admin/labels"):
            page.goto(live_server.url + path)
            ready(page)
            assert axe_violations(page) == [], path
            # Usable on a phone: nothing wider than the screen.
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{path} overflows by {overflow}px: {_widest(page)}"
        page.goto(f"{live_server.url}/conversations/{conversation.id}")
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("button", name="Send reply")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        context.close()
