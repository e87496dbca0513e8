"""Open list pages refreshing on the same live event share one render (services/live_cache.py).

Each live `inbox` event makes every open list page fetch its rows and counts at once; the ones
with the same filters and language get one render of the same moment of the queue, and nothing a
later change did is ever hidden by it.
"""
import re
import threading

import pytest
import redis as redis_lib

from inbox.config import load_config
from inbox.extensions import db
from inbox.models import Conversation
from inbox.observability import METRICS_PREFIX
from inbox.redis_conn import get_redis
from inbox.services import conversations, events, listing, live_cache
from tests.helpers import login, post_signed
from tests.test_query_counts import count_queries

LIVE = {"HX-Request": "true", live_cache.LIVE_HEADER: "1"}


def _signed_in(app, factory, **user):
    person = factory.user(**user)
    web = app.test_client()
    assert login(web, person).status_code == 302
    return person, web


def _message(client, factory, channel, text):
    response = post_signed(client, channel, factory.payload(text=text))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def _counter(redis_client, name, fragment):
    return int(redis_client.hget(METRICS_PREFIX + name, f"fragment={fragment}") or 0)


def _rows(web, query="", headers=LIVE):
    response = web.get(f"/inbox/rows{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _count(html, view):
    return int(re.search(rf'data-count="{view}">(\d+)<', html).group(1))


def _retitle(conversation_id, excerpt):
    """Change a row behind the application's back: no live event, no new version."""
    db.session.execute(db.update(Conversation).where(Conversation.id == conversation_id)
                       .values(last_excerpt=excerpt))
    db.session.commit()


def test_pages_refreshing_on_one_event_share_one_render(app, client, factory, redis_client):
    channel = factory.channel()
    _, first = _signed_in(app, factory)
    _, second = _signed_in(app, factory)
    stored = _message(client, factory, channel, "Fuite de gaz devant l'école Jules-Ferry")

    html = _rows(first)
    assert "Fuite de gaz" in html
    with count_queries() as statements:
        assert _rows(second) == html
    assert len(statements) == 1, statements  # the signed-in user: no list, no counts
    assert _counter(redis_client, "live_refreshes", "rows") == 2
    assert _counter(redis_client, "live_refresh_renders", "rows") == 1

    # Proof that the second page got the shared render: a change made without an event (so the
    # open pages would not have been told) is not in it...
    _retitle(stored["conversation_id"], "Changé sans événement")
    assert "Fuite de gaz" in _rows(second)
    # ...while a page load, a "load more" or the refresh after one's own action reads the database.
    assert "Changé sans événement" in _rows(second, headers={"HX-Request": "true"})
    assert "Changé sans événement" in first.get("/").get_data(as_text=True)

    # The next event (a new message) makes a new version: the refresh shows both changes.
    _message(client, factory, channel, "Inondation dans le sous-sol de la médiathèque")
    html = _rows(first)
    assert "Inondation" in html and "Changé sans événement" in html and "Fuite de gaz" not in html
    assert _rows(second) == html
    assert _counter(redis_client, "live_refresh_renders", "rows") == 2


def test_every_kind_of_list_event_makes_a_new_version(app, client, factory, redis_client):
    channel = factory.channel()
    agent, web = _signed_in(app, factory)
    stored = _message(client, factory, channel, "Le lampadaire de la rue des Lilas est éteint")
    conversation = db.session.get(Conversation, stored["conversation_id"])

    def version():
        return int(redis_client.get(events.INBOX_VERSION_KEY) or 0)

    start = version()
    conversations.assign(conversation, agent, agent)  # a service's events.publish()
    assert version() == start + 1
    events.publish_many("message.classified", [{"message_id": 1, "conversation_id": 1}] * 3)
    assert version() == start + 2  # one batch, one version
    events.publish("presence", conversation_id=conversation.id)  # no list refreshes on these
    events.publish("notification", user_id=agent.id)
    assert version() == start + 2
    _message(client, factory, channel, "Encore éteint ce soir")  # ingestion's own announcement
    assert version() == start + 3


def test_the_version_moves_before_the_event_is_heard(app, factory, redis_client):
    """A page hearing an event and asking at once must not get the render of the moment before."""
    client = get_redis(app)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(events.events_channel(client))
    before = int(redis_client.get(events.INBOX_VERSION_KEY) or 0)
    events.publish("conversation.updated", conversation_id=3)
    message = None
    while message is None:
        message = pubsub.get_message(timeout=2)
    assert int(redis_client.get(events.INBOX_VERSION_KEY)) == before + 1
    pubsub.close()


def test_lists_that_depend_on_who_asks_are_not_shared(app, client, factory, redis_client):
    channel = factory.channel()
    claire, first = _signed_in(app, factory, name="Claire Dubois")
    _, second = _signed_in(app, factory, name="Marc Petit")
    for text in ("Nid-de-poule avenue Foch", "Horaires de la piscine"):
        stored = _message(client, factory, channel, text)
    conversations.assign(db.session.get(Conversation, stored["conversation_id"]), claire, claire)

    for query in ("?view=mine", "?view=to_handle&assignee=me"):
        assert "Horaires de la piscine" in _rows(first, query)
        assert "Horaires de la piscine" not in _rows(second, query)
    # The view counts come with the rows, out of band: counted once for everyone, "mine" for each.
    first_rows, second_rows = _rows(first), _rows(second)
    assert _counter(redis_client, "live_refresh_renders", "counts") == 1
    assert _count(first_rows, "mine") == 1 and _count(second_rows, "mine") == 0
    assert _count(first_rows, "to_handle") == _count(second_rows, "to_handle") == 2
    shared = listing.shared_counts()
    for person, mine in ((claire, 1), (None, 0)):
        counts = listing.view_counts(person)
        assert counts == listing.view_counts(person, shared) and counts["mine"] == mine
        assert counts["to_handle"] == 2 and counts["unassigned"] == 1  # one of the two is Claire's


def test_a_live_refresh_brings_the_view_counts_along(app, client, factory, redis_client):
    """One request per open list and event: the rows, and the counts swapped into #views."""
    channel = factory.channel()
    _, web = _signed_in(app, factory)
    _message(client, factory, channel, "Fuite d'eau rue Gambetta")
    html = _rows(web)
    assert re.search(r'<template><div id="views" hx-swap-oob="innerHTML">\s*<ul class="views">', html)
    assert _count(html, "to_handle") == 1
    _message(client, factory, channel, "Toujours la fuite rue Gambetta")
    assert _count(_rows(web), "to_handle") == 2
    # The page's own list, a "load more" and the counts after one's own action: as before.
    assert "hx-swap-oob" not in _rows(web, headers={"HX-Request": "true"})
    assert _count(web.get("/inbox/counts", headers={"HX-Request": "true"}).get_data(as_text=True), "to_handle") == 2
    page = web.get("/").get_data(as_text=True)
    views = re.search(r'<nav [^>]*id="views"[^>]*>', page).group(0)
    assert 'hx-trigger="inbox-changed from:body"' in views  # the live event refreshes it through the rows
    assert 'sse:inbox' in re.search(r'<tbody id="queue-rows"[^>]*>', page).group(0)


def test_each_language_gets_its_own_render(app, client, factory):
    channel = factory.channel()
    _, french = _signed_in(app, factory, locale="fr")
    _, english = _signed_in(app, factory, locale="en")
    _message(client, factory, channel, "Bonjour, à quelle heure ouvre la mairie ?")
    assert "analyse en cours" in _rows(french)
    assert "analysing" in _rows(english)


def test_pages_arriving_together_wait_for_one_render(app, client, factory, redis_client, monkeypatch):
    channel = factory.channel()
    _message(client, factory, channel, "Arbre tombé sur la chaussée, rue Pasteur")
    pages = [_signed_in(app, factory)[1] for _ in range(6)]
    renders = []
    started = threading.Barrier(len(pages))
    real_list_page = listing.list_page

    def slow_list_page(*args, **kwargs):
        renders.append(1)
        threading.Event().wait(0.3)  # long enough for every page to arrive meanwhile
        return real_list_page(*args, **kwargs)

    monkeypatch.setattr(listing, "list_page", slow_list_page)
    answers = [None] * len(pages)

    def refresh(i):
        started.wait()
        with app.app_context():
            answers[i] = _rows(pages[i])

    threads = [threading.Thread(target=refresh, args=(i,)) for i in range(len(pages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer and "Arbre tombé" in answer for answer in answers)
    assert len(set(answers)) == 1
    assert len(renders) == 1


def test_a_failed_render_does_not_hold_the_others(app, client, factory, redis_client, monkeypatch):
    channel = factory.channel()
    _message(client, factory, channel, "Panne électrique à la crèche")
    _, web = _signed_in(app, factory)
    real_list_page = listing.list_page
    failures = []

    def failing_once(*args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("database went away")
        return real_list_page(*args, **kwargs)

    monkeypatch.setattr(listing, "list_page", failing_once)
    with pytest.raises(RuntimeError, match="database went away"):  # TESTING: raised, not a 500
        web.get("/inbox/rows", headers=LIVE)
    assert not redis_client.keys(live_cache.PREFIX + "*:lock")  # given back, not left to expire
    assert "Panne électrique" in _rows(web)


def test_without_redis_the_refresh_still_answers(app, client, factory, caplog):
    channel = factory.channel()
    _message(client, factory, channel, "Inondation rue Victor-Hugo")
    _, web = _signed_in(app, factory)
    app.extensions["parvis_redis"] = redis_lib.Redis(port=1, socket_connect_timeout=0.2)
    with caplog.at_level("WARNING", logger="inbox.services.live_cache"):
        html = _rows(web)
    assert "Inondation rue Victor-Hugo" in html and _count(html, "to_handle") == 1
    assert "without the shared cache" in caplog.text


def test_sharing_can_be_turned_off_and_a_bad_setting_is_refused(app, client, factory, monkeypatch, tmp_path):
    channel = factory.channel()
    stored = _message(client, factory, channel, "Feu de poubelle place de la Mairie")
    _, web = _signed_in(app, factory)
    app.config["LIVE_CACHE_SECONDS"] = 0
    _rows(web)
    _retitle(stored["conversation_id"], "Lu depuis la base")
    html = _rows(web)
    assert "Lu depuis la base" in html and _count(html, "to_handle") == 1  # the counts still come along

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("PARVIS_LIVE_CACHE_SECONDS", "0")
    assert load_config(str(tmp_path))["LIVE_CACHE_SECONDS"] == 0
    for value in ("soon", "-1", "2.5", "3600"):
        monkeypatch.setenv("PARVIS_LIVE_CACHE_SECONDS", value)
        with pytest.raises(ValueError, match="PARVIS_LIVE_CACHE_SECONDS"):
            load_config(str(tmp_path))
