"""Meta (Facebook Page, Messenger, Instagram) against a local Graph API and signed webhooks."""
import json

import pytest
from rq import SimpleWorker

from inbox.connectors import connector_for
from inbox.extensions import db
from inbox.models import Channel, Conversation, Message, ModerationAction
from inbox.redis_conn import get_redis
from inbox.services import moderation, replies
from inbox.services.conversations import ConversationError
from inbox.services.queue import QUEUE_DELIVER
from tests.fakes.base import payload
from tests.fakes.meta import (APP_SECRET, IG_USER_ID, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN, VERSION, FakeMeta,
                              graph_error)
from tests.helpers import login
from workers.deliver import deliver_moderation, deliver_reply


@pytest.fixture
def meta(live_parvis):
    with FakeMeta(webhook_url=f"{live_parvis}/webhooks/meta") as server:
        yield server


@pytest.fixture
def page(make_channel, meta):
    return make_channel("facebook", {"page_id": PAGE_ID, "graph_url": meta.url, "api_version": VERSION},
                        {"access_token": PAGE_TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN},
                        name="Page Facebook")


def test_verify_token_handshake(client, page):
    ok = client.get("/webhooks/meta", query_string={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                    "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    wrong = client.get("/webhooks/meta", query_string={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                                       "hub.challenge": "1"})
    assert wrong.status_code == 403 and "verify_token" in wrong.get_json()["error"]


def _post(client, event, secret=APP_SECRET, raw=None):
    body = raw if raw is not None else json.dumps(event).encode()
    from tests.fakes.meta import FakeMeta as _F

    signature = _F.sign(None, body, secret)
    return client.post("/webhooks/meta", data=body, headers={"X-Hub-Signature-256": signature,
                                                             "Content-Type": "application/json"})


def _for_page(sample):
    event = payload(sample)
    event["entry"][0]["id"] = PAGE_ID
    return event


def test_signature_is_checked_on_the_raw_body(client, page):
    event = _for_page("meta_page_feed_comment_add.restfb.json")
    event["entry"][0]["changes"][0]["value"]["from"]["id"] = "555"
    assert _post(client, event, secret="other-secret").status_code == 401
    body = json.dumps(event).encode()
    # Same JSON, different bytes (spaces): the signature of the original bytes does not match.
    tampered = client.post("/webhooks/meta", data=json.dumps(event, indent=1).encode(), headers={
        "X-Hub-Signature-256": FakeMeta.sign(None, body), "Content-Type": "application/json"})
    assert tampered.status_code == 401
    assert Message.query.count() == 0
    assert _post(client, None, raw=b"{not json").status_code == 400
    assert _post(client, {"object": "page", "entry": "x"}).status_code == 400


def test_the_real_feed_samples_add_edit_hide_remove(client, page):
    add = _for_page("meta_page_feed_comment_add.restfb.json")
    add["entry"][0]["changes"][0]["value"]["from"]["id"] = "555"  # the sample's author is the page itself
    assert _post(client, add).status_code == 200
    message = Message.query.one()
    assert message.external_id == "901097836652708_903438993085259" and message.body == "and the next one"
    assert message.author.name == "Tester"
    assert message.conversation.post_external_id == "1234567890321_901097836652708"
    message.classify_status = "done"
    db.session.commit()
    legacy = _for_page("meta_page_feed_comment_add_legacy_v2.5.restfb.json")
    legacy["entry"][0]["changes"][0]["value"].update(sender_id=556, comment_id="901097836652708_1")
    _post(client, legacy)
    assert Message.query.filter_by(external_id="901097836652708_1").one().author.name == "Tester"
    edited = _for_page("meta_page_feed_comment_add.restfb.json")
    edited["entry"][0]["changes"][0]["value"].update(verb="edited", message="and the next one, edited",
                                                      **{"from": {"id": "555", "name": "Tester"}})
    _post(client, edited)
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert message.body == "and the next one, edited" and message.classify_status == "pending"
    hide = _for_page("meta_page_feed_comment_hide.restfb.json")
    hide["entry"][0]["changes"][0]["value"]["comment_id"] = message.external_id
    _post(client, hide)
    db.session.expire_all()
    assert db.session.get(Message, message.id).visibility == "hidden"
    remove = _for_page("meta_page_feed_comment_remove.restfb.json")
    remove["entry"][0]["changes"][0]["value"]["comment_id"] = message.external_id
    _post(client, remove)
    db.session.expire_all()
    assert db.session.get(Message, message.id).visibility == "deleted"


def test_own_comments_mentions_ratings_and_other_pages(client, page):
    own = _for_page("meta_page_feed_comment_add.restfb.json")  # from.id is the page: our own reply
    assert _post(client, own).get_json() == {"channels": {}}
    _post(client, _for_page("meta_page_mention_comment_add.restfb.json"))
    _post(client, _for_page("meta_page_ratings_rating_add.restfb.json"))
    other = payload("meta_page_feed_comment_add.restfb.json")
    other["entry"][0]["id"] = "999"
    _post(client, other)
    assert sorted(m.body for m in Message.query) == ["Ja ziemlich coole Sache", "Just a test message"]


def test_messenger_messages_attachments_and_echoes(client, page, meta):
    for sample in ("meta_messenger_message.restfb.json", "meta_messenger_message_attachment.restfb.json",
                   "meta_messenger_message_reply.restfb.json"):
        event = payload(sample)
        event["entry"][0]["id"] = int(PAGE_ID)
        _post(client, event)
    _post(client, meta.messenger_message("echo of our reply", echo=True))
    messages = Message.query.order_by(Message.id).all()
    # The reply sample repeats the first message's mid: a duplicate delivery, stored once.
    assert [m.body for m in messages] == ["hello, world!", "[image] IMAGE_URL"]
    assert {m.conversation.external_id for m in messages} == {"dm:987654321432"}
    assert messages[0].conversation.kind == "private"


def test_instagram_comment_sample(client, make_channel, meta):
    make_channel("instagram", {"ig_user_id": "0", "graph_url": meta.url, "api_version": VERSION},
                 {"access_token": PAGE_TOKEN, "app_secret": APP_SECRET, "verify_token": "v"})
    assert _post(client, payload("meta_instagram_comments.restfb.json")).status_code == 200
    message = Message.query.one()
    assert message.external_id == "123456789" and message.body == "This is an example."
    assert message.conversation.kind == "comment"


def test_comment_shows_up_classified_and_the_reply_arrives_once(app, client, factory, page, meta, use_classifier):
    """End to end: Meta posts a signed webhook to Parvis over HTTP; the comment is classified; the
    reply typed in the inbox reaches the Graph API once although the first attempt fails."""
    from workers.classify import classify_pending

    app.config["DELIVERY_RETRY_INTERVALS"] = [0, 0]
    event = meta.citizen_comment("Un arbre est tombé sur la route de l'école, c'est dangereux !")
    assert meta.deliver(event).status_code == 200
    assert classify_pending() == 1
    conversation = Conversation.query.one()
    message = conversation.messages.first()
    assert message.classify_status == "done" and message.urgency is not None
    login(client, factory.user())
    meta.fail_next(500, {"error": {"message": "An unknown error occurred", "code": 1, "is_transient": True}},
                   method="POST")
    response = client.post(f"/conversations/{conversation.id}/reply", data={"body": "Une équipe arrive."})
    assert response.status_code == 303
    SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
    comment = meta.comments[message.external_id]
    assert [r["message"] for r in comment["replies"]] == ["Une équipe arrive."]
    posts = meta.calls("POST", f"/{VERSION}/{message.external_id}/comments")
    assert len(posts) == 2 and posts[0]["failed"] == 500 and posts[1]["form"]["access_token"] == PAGE_TOKEN
    db.session.expire_all()
    reply = Message.query.filter_by(direction="out").one()
    assert reply.delivery_status == "sent" and reply.external_id == comment["replies"][0]["id"]


def test_a_retry_after_a_lost_answer_finds_the_posted_reply(app, factory, page, meta):
    meta.deliver(meta.citizen_comment("Merci pour la fête"))
    conversation = Conversation.query.one()
    reply = replies.send_reply(conversation, factory.user(), "Merci à vous !")
    connector = connector_for(page)
    posted_id = connector.send_reply(conversation, reply, None)  # landed, but the job never heard
    reply.delivery_attempts = 1
    db.session.commit()
    assert deliver_reply(reply.id) == "sent"
    db.session.expire_all()
    assert db.session.get(Message, reply.id).external_id == posted_id
    assert len(meta.comments[conversation.external_id]["replies"]) == 1


def test_messenger_reply_uses_the_send_api(app, factory, page, meta):
    meta.deliver(meta.messenger_message("Bonjour, mon dossier ?", sender="4455"))
    reply = replies.send_reply(Conversation.query.one(), factory.user(), "Il est en cours.")
    assert deliver_reply(reply.id) == "sent"
    assert meta.messages[0]["recipient"] == {"id": "4455"} and meta.messages[0]["message"] == {"text": "Il est en cours."}
    assert meta.messages[0]["messaging_type"] == "RESPONSE"


def test_hide_in_the_inbox_hides_on_facebook_with_retries(app, factory, page, meta):
    app.config["DELIVERY_RETRY_INTERVALS"] = [0]
    meta.deliver(meta.citizen_comment("Mon numéro est le 06 12 34 56 78"))
    message = Message.query.one()
    # Hiding is idempotent: retried at once with backoff (3 tries), then by RQ as a new attempt.
    meta.fail_next(503, method="POST", times=3)
    entry = moderation.moderate(message, "hide", "personal_data", factory.user(role="admin"))
    assert entry.delivery_status == "queued"
    SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
    assert meta.comments[message.external_id]["is_hidden"] is True
    db.session.expire_all()
    entry = db.session.get(ModerationAction, entry.id)
    assert entry.delivery_status == "sent" and entry.delivery_attempts == 2
    hides = meta.calls("POST", f"/{VERSION}/{message.external_id}")
    assert [c.get("failed") for c in hides] == [503, 503, 503, None] and hides[-1]["form"]["is_hidden"] == "true"


def test_a_refused_delete_is_failed_visibly_and_can_be_retried(app, client, factory, page, meta):
    meta.deliver(meta.citizen_comment("Spam spam spam"))
    message = Message.query.one()
    admin = factory.user(role="admin")
    meta.fail_next(400, {"error": {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200}},
                   method="DELETE")
    entry = moderation.moderate(message, "delete", "spam", admin)
    assert deliver_moderation(entry.id) == "failed"
    db.session.expire_all()
    entry = db.session.get(ModerationAction, entry.id)
    assert entry.delivery_status == "failed" and "(#200) Permissions error" in entry.delivery_error
    login(client, admin)
    page_html = client.get(f"/conversations/{message.conversation_id}").get_data(as_text=True)
    assert "Permissions error" in page_html and "Réessayer sur le réseau" in page_html
    assert client.post(f"/moderation/{entry.id}/retry").status_code == 303
    SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
    assert message.external_id not in meta.comments
    db.session.expire_all()
    assert db.session.get(ModerationAction, entry.id).delivery_status == "sent"


def test_graph_rate_limit_error_pauses_deliveries(app, factory, page, meta):
    meta.deliver(meta.citizen_comment("Question"))
    reply = replies.send_reply(Conversation.query.one(), factory.user(), "Réponse")
    usage = json.dumps({PAGE_ID: [{"type": "pages", "call_count": 100, "total_cputime": 10, "total_time": 10,
                                   "estimated_time_to_regain_access": 5}]})
    meta.fail_next(400, json.loads(graph_error("(#32) Page request limit reached", 32).get_data()),
                   {"X-Business-Use-Case-Usage": usage}, method="POST")
    assert deliver_reply(reply.id) == "failed"  # outside a worker: no retries left
    db.session.expire_all()
    assert "rate limit" in db.session.get(Message, reply.id).delivery_error
    ttl = get_redis(app).ttl(f"parvis:ratelimit:{page.id}")
    assert 240 < ttl <= 301  # 5 minutes to regain access, shared by every worker


def test_messenger_messages_cannot_be_hidden_on_the_network(app, factory, page, meta):
    meta.deliver(meta.messenger_message("insulte"))
    entry = moderation.moderate(Message.query.one(), "hide", "offensive", factory.user())
    assert entry.delivery_status is None  # hidden in Parvis only


def test_check_connection(app, page, meta, make_channel):
    from inbox.services.channels import check_connection

    assert check_connection(page) == (True, "Mairie de Villeneuve-sur-Lys")
    bad = make_channel("facebook", {"page_id": PAGE_ID, "graph_url": meta.url, "api_version": VERSION},
                       {"access_token": "expired", "app_secret": "s", "verify_token": "t"})
    ok, detail = check_connection(bad)
    assert not ok and "(190) Invalid OAuth access token" in detail
    db.session.expire_all()
    assert "190" in db.session.get(Channel, bad.id).last_error


def test_spam_hides_on_facebook_and_its_undo_unhides_there(app, factory, page, meta):
    meta.deliver(meta.citizen_comment("Gagnez un iPhone sur ce lien"))
    message = Message.query.one()
    agent = factory.user()
    entry = moderation.moderate(message, "spam", "spam", agent)
    assert entry.delivery_status == "queued" and moderation.network_action(entry) == "hide"
    assert deliver_moderation(entry.id) == "sent"
    assert meta.comments[message.external_id]["is_hidden"] is True
    undo = moderation.undo(db.session.get(ModerationAction, entry.id), agent)
    assert undo.delivery_status == "queued" and moderation.network_action(undo) == "unhide"
    assert deliver_moderation(undo.id) == "sent"
    assert meta.comments[message.external_id]["is_hidden"] is False
    db.session.expire_all()
    assert db.session.get(Message, message.id).visibility == "visible"
    # Blocking the author is Parvis's own business: nothing goes to Facebook.
    assert moderation.moderate(message, "block", "spam", agent).delivery_status is None


def test_a_delete_sent_to_facebook_cannot_be_undone(app, factory, page, meta):
    meta.deliver(meta.citizen_comment("Message à supprimer"))
    message = Message.query.one()
    agent = factory.user()
    entry = moderation.moderate(message, "delete", "spam", agent)
    assert entry.delivery_status == "queued"
    with app.test_request_context(), pytest.raises(ConversationError, match="supprimé sur le réseau"):
        moderation.undo(entry, agent)
    db.session.expire_all()
    assert db.session.get(Message, message.id).visibility == "deleted"
