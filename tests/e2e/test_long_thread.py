"""A long conversation in the browser: the latest messages, then earlier ones on request, and
a new message arriving live keeps the wider window (inbox/blueprints/inbox.py, THREAD_WINDOW)."""
from datetime import timedelta

from playwright.sync_api import expect

from inbox.blueprints import inbox as inbox_views
from inbox.extensions import db
from inbox.models import Author, Conversation, Message
from inbox.models.base import utcnow
from tests.e2e.inbox_helpers import live, sign_in
from tests.helpers import post_signed

LIVE = 15000


def test_show_earlier_messages_then_a_live_message(app, factory, live_server, page, monkeypatch):
    monkeypatch.setattr(inbox_views, "THREAD_WINDOW", 4)
    monkeypatch.setattr(inbox_views, "THREAD_MAX", 100)
    channel = factory.channel(name="Messenger · Mairie")
    author = Author(channel_id=channel.id, external_id="citoyen-fidele", name="Jeanne Martin")
    conversation = Conversation(channel_id=channel.id, external_id="dm:citoyen-fidele", kind="private",
                                author=author, status="open", message_count=10)
    start = utcnow() - timedelta(days=30)
    db.session.add_all([Message(conversation=conversation, channel_id=channel.id, external_id=f"old-{i}",
                                author=author, body=f"Message ancien numéro {i}", classify_status="done",
                                urgency="normal", created_at=start + timedelta(days=i)) for i in range(10)])
    db.session.commit()
    sign_in(page, live_server.url, factory.user(name="Claire Dubois"))
    page.goto(f"{live_server.url}/conversations/{conversation.id}")
    thread = page.locator(".thread > li.message")
    expect(thread).to_have_count(4)
    expect(thread.first).to_contain_text("Message ancien numéro 6")
    expect(page.locator(".thread-earlier")).to_contain_text("Les 4 derniers messages sont affichés.")

    page.get_by_role("link", name="Afficher les messages précédents").click()
    expect(thread).to_have_count(8)
    expect(thread.first).to_contain_text("Message ancien numéro 2")
    assert page.url.endswith(f"?show=8#message-{conversation.messages[6].id}")  # back where the agent was

    # A new message from the citizen: the live refresh adds it and keeps the 8-message window.
    live(page)
    payload = factory.payload(text="Et pour ma demande de la semaine dernière ?", kind="private",
                              thread_external_id="dm:citoyen-fidele",
                              author={"external_id": "citoyen-fidele", "name": "Jeanne Martin"})
    assert post_signed(app.test_client(), channel, payload).status_code == 201
    expect(page.locator(".thread")).to_contain_text("Et pour ma demande de la semaine dernière", timeout=LIVE)
    expect(thread).to_have_count(8)
    expect(thread.first).to_contain_text("Message ancien numéro 3")
