"""Keyset pagination of the inbox and the API: every conversation once, in order, at constant cost."""
from datetime import timedelta

from inbox.extensions import db
from inbox.models import Conversation
from inbox.models.base import utcnow
from tests.helpers import login


def _conversations(factory, n: int) -> list[int]:
    channel = factory.channel()
    now = utcnow()
    rows = []
    for i in range(n):
        # Mixed ranks, ties on waiting_since, and conversations nobody waits on (NULLs last).
        waiting = None if i % 7 == 0 else now - timedelta(minutes=i % 5)
        rows.append(Conversation(channel_id=channel.id, external_id=f"page-{i}", status="open",
                                 urgency_rank=i % 3, waiting_since=waiting, last_excerpt=f"conversation {i}"))
    db.session.add_all(rows)
    db.session.commit()
    ordered = sorted(rows, key=lambda c: (c.urgency_rank, c.waiting_since is None,
                                          c.waiting_since or now, c.id))
    return [c.id for c in ordered]


def test_api_pages_follow_next_after_until_the_end(client, factory):
    expected = _conversations(factory, 23)
    token = factory.token(factory.user())
    headers = {"Authorization": f"Bearer {token}"}
    seen, after, pages = [], None, 0
    while True:
        url = "/api/v1/conversations?limit=5" + (f"&after={after}" if after else "")
        body = client.get(url, headers=headers).get_json()
        seen += [c["id"] for c in body["conversations"]]
        pages += 1
        after = body["next_after"]
        if after is None:
            break
    assert seen == expected and pages == 5


def test_a_bad_cursor_is_a_clear_400(client, factory):
    token = factory.token(factory.user())
    response = client.get("/api/v1/conversations?after=not-a-cursor",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert "after" in response.get_json()["errors"]
    user = factory.user()
    login(client, user)
    assert client.get("/?after=1_x_3").status_code == 400


def test_the_inbox_links_to_the_next_page(client, factory, monkeypatch):
    from inbox.services import listing

    monkeypatch.setattr(listing, "PAGE_SIZE", 10)
    expected = _conversations(factory, 15)
    user = factory.user()
    login(client, user)
    first = client.get("/").get_data(as_text=True)
    assert first.count('class="conversation-row') == 10 and "Page suivante" in first
    link = first.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = client.get(link).get_data(as_text=True)
    assert second.count('class="conversation-row') == 5 and 'rel="next"' not in second
    ids = [int(part.split('"', 1)[0]) for part in (first + second).split('data-conversation-id="')[1:]]
    assert ids == expected
