"""One message's whole journey in a real browser: posted to the API, classified by the worker,
seen in the inbox, answered (delivered to the callback), resolved."""
import json
import re

import requests
from playwright.sync_api import expect

from inbox.blueprints.api import sign
from inbox.extensions import db
from inbox.models import Message
from tests.callback_server import CallbackServer
from tests.e2e.conftest import wait_for

GAS_LEAK = "fuite de gaz devant l'école, ça sent très fort"


def _reply_status() -> str:
    db.session.rollback()  # a fresh read: the worker commits in its own process
    return db.session.execute(db.select(Message.delivery_status).where(Message.direction == "out")).scalar_one()


def test_posted_message_is_classified_answered_and_resolved(app, factory, live_server, worker_process, page):
    with CallbackServer() as callback:
        channel = factory.channel(name="Facebook · Mairie", callback_url=callback.url)
        agent = factory.user(name="Claire Dubois", email="claire@parvis.example")
        page.goto(f"{live_server.url}/login")
        page.get_by_label("Adresse e-mail").fill(agent.email)
        page.get_by_label("Mot de passe").fill("correct horse battery")
        page.get_by_role("button", name="Se connecter").click()
        expect(page.get_by_role("heading", name="Boîte de réception")).to_be_visible()

        body = json.dumps(factory.payload(external_id="fb-1", text=GAS_LEAK)).encode()
        response = requests.post(f"{live_server.url}/api/v1/channels/{channel.id}/messages", data=body,
                                 headers={"Content-Type": "application/json",
                                          "X-Parvis-Signature": sign(channel.signing_secret, body)}, timeout=10)
        assert response.status_code == 201

        # The worker classifies it; the open page reloads itself on the live event.
        row = page.locator("tr.conversation-row").first
        expect(row).to_contain_text("fuite de gaz", timeout=60000)
        expect(row.locator(".badge.urgency-critical")).to_have_text("critique", timeout=60000)

        row.get_by_role("link").click()
        expect(page.locator(".explanation")).to_contain_text("gaz")
        page.get_by_label("Réponse publique").fill("Merci, les pompiers et GRDF sont prévenus.")
        page.get_by_role("button", name="Envoyer la réponse").click()
        expect(page.locator(".flash")).to_contain_text("Réponse mise en file d’envoi")
        wait_for(lambda: callback.requests, message="the reply to reach the callback server")
        assert callback.requests[0]["json"]["text"] == "Merci, les pompiers et GRDF sont prévenus."
        # The worker records "sent" once the network has answered, a moment after the callback
        # server got the reply: a reload in between showed "queued" and missed the live event.
        wait_for(lambda: _reply_status() == "sent", message="the worker to record the delivery")
        page.reload()
        expect(page.locator(".delivery .badge:not(.lang)")).to_have_text("envoyé")
        expect(page.locator(".delivery .badge.lang")).to_have_text("fr")  # the reply language

        page.get_by_role("button", name="Résoudre").click()
        expect(page).to_have_url(re.compile(r"/$"))
        expect(page.locator("tr.conversation-row")).to_have_count(0)
        db.session.expire_all()
        assert Message.query.filter_by(direction="out").one().delivery_status == "sent"
        assert len(callback.requests) == 1
