"""YouTube connector against a local YouTube Data API."""
import pytest

from inbox.connectors import connector_for
from inbox.extensions import db
from inbox.models import Channel, Conversation, Message
from inbox.services import moderation, replies
from tests.fakes.youtube import CHANNEL_ID, TOKEN, FakeYouTube, google_error
from workers.deliver import deliver_moderation, deliver_reply
from workers.poll import poll_channel


@pytest.fixture
def youtube():
    with FakeYouTube() as server:
        yield server


@pytest.fixture
def channel(make_channel, youtube):
    return make_channel("youtube", {"channel_id": CHANNEL_ID, "api_url": youtube.url}, {"access_token": TOKEN})


def test_poll_reads_the_real_threads_then_only_new_ones(app, channel, youtube):
    assert poll_channel(channel.id)["created"] == 4
    gets = youtube.calls("GET", "/youtube/v3/commentThreads")
    assert gets[0]["args"]["allThreadsRelatedToChannelId"] == [CHANNEL_ID]
    assert gets[0]["args"]["part"] == ["snippet,replies"]
    message = Message.query.filter_by(external_id="UgyWeTdgc4sc1xgmbld4AaABAg").one()
    assert message.body == "Hope to go next time. yah!" and message.author.name == "kun liu"
    assert message.conversation.post_external_id == "JE8xdDp5B8Q"
    youtube.add_thread("Les horaires de la déchetterie ont changé ?")
    assert poll_channel(channel.id)["created"] == 1
    assert Message.query.count() == 5


def test_poll_follows_page_tokens(app, channel, youtube, monkeypatch):
    from inbox.connectors import youtube as module

    monkeypatch.setattr(module, "PAGE_SIZE", 2)
    assert poll_channel(channel.id)["created"] == 4
    tokens = [c["args"].get("pageToken") for c in youtube.calls("GET", "/youtube/v3/commentThreads")]
    assert tokens == [None, ["2"]]


def test_quota_exceeded_pauses_polling(app, channel, youtube):
    youtube.fail_next(403, {"error": {"code": 403, "message": "The request cannot be completed because you have "
                                      "exceeded your quota.", "errors": [{"reason": "quotaExceeded",
                                                                          "domain": "youtube.quota"}]}})
    assert poll_channel(channel.id) == "rate limited"
    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert "exceeded your quota" in channel.last_error
    assert (channel.next_poll_at - channel.last_error_at).total_seconds() >= 3599


def test_reply_with_comments_insert_never_twice(app, factory, channel, youtube):
    youtube.add_thread("Bravo pour le marché de Noël")
    poll_channel(channel.id)
    conversation = Conversation.query.filter_by(external_id=youtube.threads[0]["id"]).one()
    reply = replies.send_reply(conversation, factory.user(), "Merci !")
    assert deliver_reply(reply.id) == "sent"
    insert = youtube.calls("POST", "/youtube/v3/comments")[0]
    assert insert["args"]["part"] == ["snippet"]
    assert insert["json"] == {"snippet": {"parentId": conversation.external_id, "textOriginal": "Merci !"}}
    # A second attempt after a lost answer finds the reply instead of posting it again.
    db.session.expire_all()
    reply = db.session.get(Message, reply.id)
    reply.delivery_status, reply.delivery_attempts = "queued", 1
    db.session.commit()
    assert deliver_reply(reply.id) == "sent"
    assert len(youtube.calls("POST", "/youtube/v3/comments")) == 1
    assert len(youtube.threads[0]["replies"]["comments"]) == 1


def test_moderation_uses_set_moderation_status(app, factory, channel, youtube):
    poll_channel(channel.id)
    message = Message.query.filter_by(external_id="UgyWeTdgc4sc1xgmbld4AaABAg").one()
    agent = factory.user()
    entry = moderation.moderate(message, "hide", "offensive", agent)
    assert deliver_moderation(entry.id) == "sent"
    assert youtube.moderation[message.external_id] == "heldForReview"
    entry = moderation.moderate(message, "unhide", "other", agent)
    assert deliver_moderation(entry.id) == "sent"
    assert youtube.moderation[message.external_id] == "published"
    entry = moderation.moderate(message, "delete", "spam", agent)
    assert deliver_moderation(entry.id) == "sent"
    assert youtube.moderation[message.external_id] == "rejected"


def test_an_edited_comment_is_reclassified(app, channel, youtube):
    thread = youtube.add_thread("Rien à signaler")
    poll_channel(channel.id)
    message = Message.query.filter_by(external_id=thread["id"]).one()
    message.classify_status = "done"
    db.session.commit()
    snippet = thread["snippet"]["topLevelComment"]["snippet"]
    snippet.update(textOriginal="En fait la route est inondée", updatedAt="2099-01-01T00:00:00.000Z")
    poll_channel(channel.id)
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert message.body == "En fait la route est inondée" and message.classify_status == "pending"


def test_bad_token(app, make_channel, youtube):
    channel = make_channel("youtube", {"channel_id": CHANNEL_ID, "api_url": youtube.url}, {"access_token": "x"})
    with pytest.raises(Exception) as info:
        connector_for(channel).check_connection()
    assert "invalid authentication credentials" in str(info.value)
    assert google_error(401, "m", "authError").status_code == 401


def test_sweep_requeues_lost_and_abandoned_moderation_actions(app, factory, channel, youtube, redis_client):
    from datetime import timedelta

    from inbox.models import ModerationAction
    from inbox.models.base import utcnow
    from inbox.services.queue import QUEUE_DELIVER
    from workers.sweep import sweep

    poll_channel(channel.id)
    message = Message.query.filter_by(external_id="UgyWeTdgc4sc1xgmbld4AaABAg").one()
    lost = moderation.moderate(message, "hide", "offensive", factory.user())
    redis_client.delete(f"rq:queue:{QUEUE_DELIVER}")  # the job was lost with Redis
    db.session.execute(db.update(ModerationAction).values(created_at=utcnow() - timedelta(minutes=5),
                                                          delivery_status="sending", delivery_attempts=1,
                                                          claimed_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert sweep()["moderation_requeued"] == 1
    assert redis_client.llen(f"rq:queue:{QUEUE_DELIVER}") == 1
    assert deliver_moderation(lost.id) == "sent" and youtube.moderation[message.external_id] == "heldForReview"
