"""A new agent clears a demo inbox of 50 conversations with the keyboard alone."""
from playwright.sync_api import expect

from inbox.extensions import db
from inbox.models import Conversation, Message, SavedReply
from inbox.services.ingest import ingest_messages
from inbox.services.validation import INBOUND_MESSAGE
from tests.e2e.inbox_helpers import ready, sign_in

TOPICS = ["Nid de poule rue Pasteur", "Horaires de la piscine ?", "Merci pour le marché de Noël",
          "Poubelles non ramassées depuis lundi", "Éclairage en panne place de la Mairie"]


def _demo_inbox(factory, channel, count=50):
    raws = [factory.payload(text=f"{TOPICS[i % len(TOPICS)]} (message {i + 1})",
                            created_at=f"2026-11-{1 + i % 25:02d}T{8 + i % 10:02d}:00:00Z") for i in range(count)]
    ingest_messages(channel, [INBOUND_MESSAGE.load(raw) for raw in raws], raws)


def test_clear_fifty_conversations_with_the_keyboard_alone(app, factory, live_server, page):
    channel = factory.channel(name="Facebook · Mairie")
    agent = factory.user(name="Claire Dubois", email="claire@parvis.example")
    db.session.add(SavedReply(title="Remerciements", shortcut="merci", language="fr",
                              body="Bonjour {author_name}, merci pour votre message ! {institution}"))
    db.session.commit()
    _demo_inbox(factory, channel)
    sign_in(page, live_server.url, agent)
    counter = page.locator('[data-count="to_handle"]')
    expect(counter).to_have_text("50")
    ready(page)

    # ? shows the shortcuts, Escape closes them.
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog")).to_contain_text("résoudre")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()

    # The first five: open, answer with a saved reply typed with "/", send with Ctrl+Enter, resolve.
    page.keyboard.press("j")
    for done in range(5):
        # Back in the list, the selection stays on the same line, i.e. the next conversation.
        expect(page.locator("tr.conversation-row.selected")).to_have_count(1)
        page.keyboard.press("Enter")
        expect(page.get_by_label("Réponse publique")).to_be_visible()
        ready(page)
        page.keyboard.press("a")  # assign to me
        expect(page.locator("#conversation-meta .assignee")).to_contain_text("Claire Dubois")
        ready(page)
        page.keyboard.press("r")
        page.keyboard.type("/merci")
        expect(page.locator("#saved-reply-list [role=option]").first).to_contain_text("Remerciements")
        page.keyboard.press("Enter")
        expect(page.get_by_label("Réponse publique")).to_have_value(
            f"Bonjour {page.locator('h1').inner_text().split('avec ')[-1]}, merci pour votre message ! "
            f"{app.config['INSTITUTION_NAME']}")
        page.keyboard.press("Control+Enter")
        expect(page.locator(".flash")).to_contain_text("Réponse mise en file d’envoi")
        ready(page)
        page.keyboard.press("e")
        expect(counter).to_have_text(str(49 - done))
        ready(page)

    # The rest from the list: j selects, e resolves; the selection moves on by itself.
    page.keyboard.press("j")
    for remaining in range(44, -1, -1):
        selected = page.locator("tr.conversation-row.selected")
        expect(selected).to_have_count(1)
        resolved = selected.get_attribute("data-conversation-id")
        page.keyboard.press("e")
        expect(counter).to_have_text(str(remaining))
        # As an agent would, wait for the line to leave the list before the next key: the
        # counter can change before the rows are swapped, and e acts on the selected line.
        expect(page.locator(f"#row-{resolved}")).to_have_count(0)
    expect(page.locator("tr.conversation-row")).to_have_count(0)
    expect(page.locator("#queue-rows")).to_contain_text("Rien à traiter ici.")
    db.session.expire_all()
    assert Conversation.query.filter_by(status="resolved").count() == 50
    assert Message.query.filter_by(direction="out").count() == 5


def test_list_shortcuts_assign_hide_snooze_select(app, factory, live_server, page):
    channel = factory.channel(name="Facebook · Mairie")
    agent = factory.user(name="Claire Dubois", email="claire@parvis.example")
    _demo_inbox(factory, channel, count=5)
    sign_in(page, live_server.url, agent)
    ready(page)
    counter = page.locator('[data-count="to_handle"]')
    expect(counter).to_have_text("5")
    page.keyboard.press("j")
    page.keyboard.press("a")  # assign the first to me
    expect(page.locator('[data-count="mine"]')).to_have_text("1")
    first = page.locator("tr.conversation-row.selected")
    expect(first).to_contain_text("Claire Dubois")
    page.keyboard.press("h")  # hide it: it goes to the moderation queue
    expect(page.locator('[data-count="moderation"]')).to_have_text("1")
    page.keyboard.press("s")  # snooze the next one until tomorrow
    expect(page.locator('[data-count="snoozed"]')).to_have_text("1")
    expect(counter).to_have_text("4")
    # x selects for bulk actions; k moves back up.
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("k")
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_contain_text("2")
    db.session.expire_all()
    hidden = Message.query.filter_by(visibility="hidden").all()
    assert len(hidden) == 1 and hidden[0].conversation.assignee_id == agent.id
    assert Conversation.query.filter_by(status="snoozed").one().snoozed_until is not None
