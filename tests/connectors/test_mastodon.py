"""Mastodon connector against a local Mastodon API: polling mentions, replies, rate limits."""
import pytest
from rq import SimpleWorker

from inbox.connectors import RateLimited, connector_for
from inbox.connectors.text import html_to_text
from inbox.extensions import db
from inbox.models import Channel, Conversation, Message
from inbox.redis_conn import get_redis
from inbox.services.queue import QUEUE_DELIVER
from tests.fakes.base import payload
from tests.fakes.mastodon import TOKEN, FakeMastodon
from tests.helpers import login
from workers.poll import poll_channel


@pytest.fixture
def mastodon():
    with FakeMastodon() as server:
        yield server


@pytest.fixture
def channel(make_channel, mastodon):
    return make_channel("mastodon", {"base_url": mastodon.url}, {"access_token": TOKEN}, name="Mastodon mairie")


def test_the_real_mention_payload_becomes_a_comment(app, channel):
    events = connector_for(channel).parse_inbound(payload("mastodon_notification_mention.mastodonpy_cassette.json"))
    assert len(events) == 1
    item = events[0].item
    assert item["external_id"] == "117020576916218297" and item["kind"] == "comment"
    assert item["text"] == "@mastodonpy_test hello!"
    assert item["author"] == {"external_id": "117020565693913441", "name": None, "handle": "admin"}


def test_html_content_becomes_readable_text():
    status = payload("mastodon_status.docs.json")
    text = html_to_text(status["content"])
    assert text.startswith('"I lost my inheritance with one wrong digit on my sort code"\n\n')
    assert "https://www.theguardian.com/money/2019/dec/07/i-lost-my-193000" in text and "<" not in text


def test_poll_pages_through_mentions_and_keeps_the_cursor(app, channel, mastodon):
    mastodon.post_mention("<p>Première question</p>")
    assert poll_channel(channel.id)["created"] == 1  # first poll: the latest page only
    for n in range(44):  # then more than one page of 40 between two polls
        mastodon.post_mention(f"<p>Question numéro {n} sur la collecte des déchets</p>")
    mastodon.post_mention("<p>Un message privé</p>", visibility="direct", acct="jean", account_id="77")
    summary = poll_channel(channel.id)
    assert summary["created"] == 45
    assert Message.query.count() == 46
    gets = mastodon.calls("GET", "/api/v1/notifications")
    assert len(gets) == 3 and gets[1]["args"]["types[]"] == ["mention"]
    assert gets[1]["args"]["min_id"] == [mastodon.notifications[0]["id"]]
    assert gets[2]["args"]["min_id"] == [mastodon.notifications[40]["id"]]
    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert channel.poll_cursor == mastodon.notifications[-1]["id"]
    assert channel.next_poll_at > channel.last_polled_at
    private = Conversation.query.filter_by(kind="private").one()
    assert private.external_id == "dm:77"
    # Nothing new: one call, nothing stored twice.
    assert poll_channel(channel.id)["created"] == 0
    assert mastodon.calls("GET", "/api/v1/notifications")[-1]["args"]["min_id"] == [channel.poll_cursor]


def test_a_reply_to_a_known_status_joins_its_conversation(app, channel, mastodon):
    first = mastodon.post_mention("<p>La piscine est fermée ?</p>")
    mastodon.post_mention("<p>Et demain ?</p>", in_reply_to_id=first["status"]["id"])
    poll_channel(channel.id)
    assert Conversation.query.count() == 1
    assert Conversation.query.one().message_count == 2


def test_an_edited_status_is_reclassified(app, channel, mastodon):
    notification = mastodon.post_mention("<p>Le pont est fermé</p>")
    poll_channel(channel.id)
    message = Message.query.one()
    message.classify_status = "done"
    db.session.commit()
    edited = mastodon.post_mention("<p>Le pont s'effondre, venez vite</p>", edited=True)
    edited["status"]["id"] = notification["status"]["id"]
    poll_channel(channel.id)
    db.session.expire_all()
    message = Message.query.one()
    assert message.body == "Le pont s'effondre, venez vite" and message.classify_status == "pending"
    assert message.edited_at is not None


def test_a_429_pauses_the_channel_until_the_reset(app, channel, mastodon):
    mastodon.fail_next(429, {"error": "Too many requests"}, {
        "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "2099-01-01T00:00:00.000Z", "Retry-After": "120"})
    assert poll_channel(channel.id) == "rate limited"
    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert "rate limit" in channel.last_error
    assert (channel.next_poll_at - channel.last_error_at).total_seconds() >= 119
    # Every worker now waits without calling the network.
    calls = len(mastodon.requests)
    with pytest.raises(RateLimited):
        connector_for(channel).check_connection()
    assert len(mastodon.requests) == calls


def test_remaining_zero_in_the_rate_headers_blocks_the_next_call(app, channel, mastodon):
    mastodon.remaining = 1
    connector = connector_for(channel)
    assert connector.check_connection() == "@mairie"
    with pytest.raises(RateLimited):
        connector.check_connection()
    assert len(mastodon.requests) == 1


def test_a_bad_token_is_a_permanent_error_named_by_mastodon(app, make_channel, mastodon):
    channel = make_channel("mastodon", {"base_url": mastodon.url}, {"access_token": "wrong"})
    assert poll_channel(channel.id) == "failed"
    db.session.expire_all()
    assert "The access token is invalid" in db.session.get(Channel, channel.id).last_error


def test_server_errors_on_polls_are_retried_with_backoff(app, channel, mastodon):
    mastodon.post_mention("<p>Bonjour</p>")
    mastodon.fail_next(502, times=2)
    assert poll_channel(channel.id)["created"] == 1
    assert [r.get("failed") for r in mastodon.requests] == [502, 502, None]


def test_mention_shows_up_classified_and_the_reply_arrives_once(app, client, factory, channel, mastodon,
                                                                use_classifier):
    """End to end: a mention on the local Mastodon is polled, classified, answered from the inbox;
    the first POST fails, the retry carries the same Idempotency-Key, one status is posted."""
    from workers.classify import classify_pending

    app.config["DELIVERY_RETRY_INTERVALS"] = [0, 0]
    mastodon.post_mention('<p><span class="h-card"><a href="x" class="u-url mention">@<span>mairie</span></a>'
                          "</span> Il y a une fuite de gaz rue des Écoles, ça sent très fort !</p>",
                          acct="lea@piaille.fr")
    poll_channel(channel.id)
    assert classify_pending() == 1
    conversation = Conversation.query.one()
    message = conversation.messages.first()
    assert message.classify_status == "done" and message.urgency in ("critical", "high")
    agent = factory.user()
    login(client, agent)
    page = client.get(f"/conversations/{conversation.id}")
    assert "fuite de gaz" in page.get_data(as_text=True)
    mastodon.fail_next(503, method="POST")
    response = client.post(f"/conversations/{conversation.id}/reply", data={"body": "Les pompiers sont prévenus."})
    assert response.status_code == 303
    SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
    assert len(mastodon.statuses) == 1
    posted = mastodon.calls("POST", "/api/v1/statuses")
    assert len(posted) == 2 and posted[0]["failed"] == 503
    assert posted[0]["headers"]["Idempotency-Key"] == posted[1]["headers"]["Idempotency-Key"]
    assert posted[1]["form"]["in_reply_to_id"] == message.external_id
    assert posted[1]["form"]["status"] == "@lea@piaille.fr Les pompiers sont prévenus."
    assert posted[1]["form"]["visibility"] == "public"
    db.session.expire_all()
    reply = Message.query.filter_by(direction="out").one()
    assert reply.delivery_status == "sent" and reply.external_id == mastodon.statuses[0]["id"]


def test_a_lost_answer_does_not_post_twice(app, factory, channel, mastodon):
    """The network posted but the answer was lost: the retry with the same key returns the same status."""
    from inbox.services import replies
    from workers.deliver import deliver_reply

    mastodon.post_mention("<p>Merci pour l'info</p>")
    poll_channel(channel.id)
    reply = replies.send_reply(Conversation.query.one(), factory.user(), "Avec plaisir")
    connector = connector_for(channel)
    first_id = connector.send_reply(reply.conversation, reply, None)
    assert deliver_reply(reply.id) == "sent"
    db.session.expire_all()
    assert db.session.get(Message, reply.id).external_id == first_id and len(mastodon.statuses) == 1
