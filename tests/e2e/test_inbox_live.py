"""Two agents at once: presence, live updates without reload, mentions that notify."""
from playwright.sync_api import expect

from tests.e2e.inbox_helpers import live, new_conversation, sign_in

LIVE = 15000  # ms: a live update crosses Redis, the SSE stream and an htmx request, on a shared machine


def test_two_agents_see_each_other_and_live_updates(app, factory, live_server, browser):
    channel = factory.channel(name="Facebook · Mairie")
    claire = factory.user(name="Claire Dubois", email="claire@parvis.example")
    karim = factory.user(name="Karim Benali", email="karim@parvis.example")
    conversation = new_conversation(app, factory, channel, "Le lampadaire de la rue des Lilas est éteint")
    contexts = [browser.new_context(locale="fr-FR") for _ in range(2)]
    try:
        page_c, page_k = (context.new_page() for context in contexts)
        for page in (page_c, page_k):
            page.set_default_timeout(20000)
        sign_in(page_c, live_server.url, claire)
        sign_in(page_k, live_server.url, karim)

        # Karim watches the list; a new citizen message arrives and shows up without a reload.
        marker = page_k.evaluate("() => { window.__noReload = true; return 1; }")
        assert marker == 1
        expect(page_k.locator("tr.conversation-row")).to_have_count(1)
        live(page_k)
        new_conversation(app, factory, channel, "Inondation dans le sous-sol de la médiathèque")
        expect(page_k.locator("tr.conversation-row")).to_have_count(2, timeout=LIVE)
        expect(page_k.locator("#queue-rows")).to_contain_text("Inondation dans le sous-sol", timeout=LIVE)
        expect(page_k.locator('[data-count="to_handle"]')).to_have_text("2", timeout=LIVE)
        assert page_k.evaluate("() => window.__noReload") is True  # swapped in place, not reloaded

        # Both open the same conversation: each sees the other, then "is replying" when typing.
        page_c.goto(f"{live_server.url}/conversations/{conversation.id}")
        page_k.goto(f"{live_server.url}/conversations/{conversation.id}")
        live(page_c)
        live(page_k)
        expect(page_c.locator("#presence")).to_contain_text("Karim Benali consulte cette conversation", timeout=LIVE)
        expect(page_k.locator("#presence")).to_contain_text("Claire Dubois consulte cette conversation", timeout=LIVE)
        page_c.get_by_label("Réponse publique").fill("Bonjour, nous prévenons les services techniques.")
        expect(page_k.locator("#presence")).to_contain_text("Claire Dubois est en train de répondre", timeout=LIVE)

        # Karim answers first; Claire's page shows his reply live, and her own reply is held back.
        page_k.get_by_label("Réponse publique").fill("Bonjour, c'est signalé, merci !")
        page_k.get_by_role("button", name="Envoyer la réponse").click()
        expect(page_k.locator(".flash")).to_contain_text("Réponse mise en file d’envoi")
        expect(page_c.locator(".thread")).to_contain_text("c'est signalé, merci", timeout=LIVE)
        page_c.get_by_role("button", name="Envoyer la réponse").click()
        expect(page_c.locator("#collision")).to_contain_text("Votre réponse n’a pas été envoyée")
        expect(page_c.get_by_label("Réponse publique")).to_have_value("Bonjour, nous prévenons les services techniques.")
        page_c.get_by_role("button", name="Envoyer quand même").click()
        expect(page_c.locator(".flash")).to_contain_text("Réponse mise en file d’envoi")

        # A note mentioning Karim lights his notification indicator live.
        page_k.goto(f"{live_server.url}/")
        expect(page_k.locator("#notification-badge a")).to_have_attribute("data-unread", "0")
        live(page_k)
        page_c.get_by_label("Note interne").fill("@karim tu peux vérifier avec la voirie ?")
        page_c.get_by_role("button", name="Ajouter la note").click()
        expect(page_k.locator("#notification-badge a")).to_have_attribute("data-unread", "1", timeout=LIVE)
        page_k.locator("#notification-badge a").click()
        expect(page_k.locator(".notification-list")).to_contain_text("Claire Dubois vous a mentionné")

        # Claire leaves; Karim's presence line empties.
        page_k.goto(f"{live_server.url}/conversations/{conversation.id}")
        expect(page_k.locator("#presence")).to_contain_text("Claire Dubois")
        page_c.goto(f"{live_server.url}/")
        expect(page_k.locator("#presence")).not_to_contain_text("Claire Dubois", timeout=LIVE)
    finally:
        for context in contexts:
            context.close()
