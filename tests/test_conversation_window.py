"""A long conversation's page shows its latest messages, and more on request: the page and its
live refresh stay bounded however long the thread (inbox/blueprints/inbox.py, THREAD_WINDOW)."""
import re
from datetime import timedelta

import pytest

from inbox.blueprints import inbox as inbox_views
from inbox.extensions import db
from inbox.models import Author, Conversation, Message
from inbox.models.base import utcnow
from tests.helpers import login


@pytest.fixture
def small_window(monkeypatch):
    monkeypatch.setattr(inbox_views, "THREAD_WINDOW", 5)
    monkeypatch.setattr(inbox_views, "THREAD_MAX", 12)


def _thread(factory, n: int, key: str = "long") -> tuple[Conversation, list[Message]]:
    channel = factory.channel(name=f"Channel {key}")
    author = Author(channel_id=channel.id, external_id=f"author-{key}", name="Citoyenne")
    conversation = Conversation(channel_id=channel.id, external_id=key, author=author, status="open",
                                message_count=n)
    start = utcnow() - timedelta(days=1)
    messages = [Message(conversation=conversation, channel_id=channel.id, external_id=f"{key}-{i}", author=author,
                        body=f"message numéro {i}.", classify_status="done", urgency="normal",
                        created_at=start + timedelta(minutes=i)) for i in range(n)]
    db.session.add_all(messages)
    db.session.commit()
    return conversation, messages


def _shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"message numéro (\d+)\.", html)]


def test_the_latest_messages_first_then_more_on_request(client, factory, small_window):
    conversation, messages = _thread(factory, 13)
    login(client, factory.user())
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert _shown(page) == list(range(8, 13))
    assert "Les 5 derniers messages sont affichés." in page
    link = f'href="/conversations/{conversation.id}?show=10#message-{messages[8].id}"'
    assert link in page and "Afficher les messages précédents" in page
    assert f'hx-get="/conversations/{conversation.id}/live"' in page  # the default window: no parameter

    wider = client.get(f"/conversations/{conversation.id}?show=10").get_data(as_text=True)
    assert _shown(wider) == list(range(3, 13))
    assert f'?show=15#message-{messages[3].id}"' in wider
    assert f'hx-get="/conversations/{conversation.id}/live?show=10"' in wider  # live refresh keeps the window
    live = client.get(f"/conversations/{conversation.id}/live?show=10").get_data(as_text=True)
    assert _shown(live) == list(range(3, 13))

    widest = client.get(f"/conversations/{conversation.id}?show=15").get_data(as_text=True)
    assert _shown(widest) == list(range(1, 13))  # capped at THREAD_MAX (12)
    assert "Les 12 derniers messages sont affichés." in widest
    assert "?show=" not in widest.split("thread-earlier")[1][:300]

    for bad in ("abc", "-3", "2", "", "1e9"):
        response = client.get(f"/conversations/{conversation.id}?show={bad}")
        assert response.status_code == 200 and _shown(response.get_data(as_text=True)) == list(range(8, 13)), bad


def test_a_short_thread_is_shown_whole_without_the_notice(client, factory, small_window):
    conversation, _ = _thread(factory, 5, key="short")
    login(client, factory.user())
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert _shown(page) == list(range(5)) and "thread-earlier" not in page


def test_the_reply_check_knows_messages_outside_the_window(client, factory, small_window):
    conversation, messages = _thread(factory, 8, key="window-reply")
    # Imported later with an old date: the newest id, but before the window.
    imported = Message(conversation_id=conversation.id, channel_id=conversation.channel_id, external_id="old-import",
                       author_id=messages[0].author_id, body="message importé.", classify_status="done",
                       created_at=messages[0].created_at - timedelta(hours=1))
    db.session.add(imported)
    db.session.commit()
    login(client, factory.user())
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "message importé" not in page
    last_seen = int(re.search(r'name="last_seen_id" value="(\d+)"', page).group(1))
    assert last_seen == imported.id
    answer = client.post(f"/conversations/{conversation.id}/reply",
                         data={"body": "Merci, nous regardons.", "last_seen_id": str(last_seen)})
    assert answer.status_code == 303  # nothing new since the page was opened
    # A message that really arrived after the page was opened is still caught.
    db.session.add(Message(conversation_id=conversation.id, channel_id=conversation.channel_id, external_id="new",
                           author_id=messages[0].author_id, body="Et alors ?", classify_status="done"))
    db.session.commit()
    refused = client.post(f"/conversations/{conversation.id}/reply",
                          data={"body": "Deuxième réponse.", "last_seen_id": str(last_seen)})
    assert refused.status_code == 409 and "Et alors ?" in refused.get_data(as_text=True)
