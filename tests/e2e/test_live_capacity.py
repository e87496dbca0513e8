"""A page whose live stream is refused says so, keeps working, and resumes by itself."""
from playwright.sync_api import expect

from inbox.redis_conn import get_redis
from inbox.services import events
from inbox.services import live as live_streams
from tests.e2e.conftest import wait_for
from tests.e2e.inbox_helpers import live, new_conversation, sign_in

LIVE = 15000  # ms


def test_a_refused_live_stream_shows_a_notice_then_resumes(app, factory, live_server, browser):
    app.config["SSE_MAX_STREAMS"] = "1"  # this process holds one live page at a time
    channel = factory.channel()
    user = factory.user(name="Claire Dubois")
    new_conversation(app, factory, channel, "Le lampadaire de la rue des Lilas est éteint")
    contexts = [browser.new_context(locale="fr-FR") for _ in range(2)]
    try:
        first, second = (context.new_page() for context in contexts)
        sign_in(first, live_server.url, user)
        live(first)
        expect(first.locator("#live-status")).to_be_hidden()

        # A second page finds no free slot: it says live updates are paused, and still works.
        sign_in(second, live_server.url, user)
        expect(second.locator("#live-status")).to_be_visible(timeout=LIVE)
        expect(second.locator("#live-status")).to_contain_text("Les mises à jour en direct sont en pause")
        # The server is full, not the account (20 pages allowed): closing a tab would not help.
        second.wait_for_function("() => window.parvisLiveReason === 'server'", timeout=LIVE)
        expect(second.locator('#live-status [data-reason="server"]')).to_be_visible()
        expect(second.locator('#live-status [data-reason="account"]')).to_be_hidden()
        assert second.evaluate("() => document.documentElement.dataset.live") == "0"
        expect(second.locator("tr.conversation-row")).to_have_count(1)

        # The first page goes away; its stream notices at its next write and gives the slot
        # back. The second page's next retry gets it: the notice goes, live updates come back.
        slots = live_streams.slots_for(app)
        assert slots.open == 1
        contexts[0].close()

        def released():
            events.publish("conversation.updated", conversation_id=0)
            return slots.open == 0 or second.evaluate("() => document.documentElement.dataset.live") == "1"

        wait_for(released, timeout=30, message="the closed page's stream to end")
        second.wait_for_selector('html[data-live="1"]', state="attached", timeout=70000)  # retries back off
        expect(second.locator("#live-status")).to_be_hidden()
        new_conversation(app, factory, channel, "Inondation dans le sous-sol de la médiathèque")
        expect(second.locator("tr.conversation-row")).to_have_count(2, timeout=LIVE)
        assert slots.open == 1
    finally:
        for context in contexts:
            context.close()


def test_an_account_past_its_cap_pauses_its_extra_page_and_a_colleague_stays_live(app, factory, live_server, browser):
    app.config["SSE_MAX_STREAMS"] = "unlimited"
    app.config["SSE_MAX_STREAMS_PER_USER"] = 1  # one live page per account
    channel = factory.channel()
    user = factory.user(name="Claire Dubois")
    colleague = factory.user(name="Karim Benali", email="karim@example.org")
    new_conversation(app, factory, channel, "Le lampadaire de la rue des Lilas est éteint")
    contexts = [browser.new_context(locale="fr-FR") for _ in range(3)]
    try:
        first, second, theirs = (context.new_page() for context in contexts)
        sign_in(first, live_server.url, user)
        live(first)
        # The same account's second page is refused (429): it says live updates are paused
        # because of the account's other page, and that closing it helps.
        sign_in(second, live_server.url, user)
        expect(second.locator("#live-status")).to_be_visible(timeout=LIVE)
        account = second.locator('#live-status [data-reason="account"]')
        expect(account).to_be_visible(timeout=LIVE)
        expect(account).to_contain_text("votre compte a déjà 1 page ouverte en direct")
        expect(second.locator('#live-status [data-reason="server"]')).to_be_hidden()
        expect(second.locator("tr.conversation-row")).to_have_count(1)
        # A colleague's page is not counted against that account.
        sign_in(theirs, live_server.url, colleague)
        live(theirs)
        expect(theirs.locator("#live-status")).to_be_hidden()
        new_conversation(app, factory, channel, "Inondation dans le sous-sol de la médiathèque")
        expect(theirs.locator("tr.conversation-row")).to_have_count(2, timeout=LIVE)
        expect(first.locator("tr.conversation-row")).to_have_count(2, timeout=LIVE)
        assert second.evaluate("() => document.documentElement.dataset.live") == "0"
        assert live_streams.UserStreams(get_redis()).held(user.id) == 1
    finally:
        for context in contexts:
            context.close()
