"""Conversation actions: collision-safe replies, limits, notes with mentions, presence, moderation
with undo, classification corrections, labels, bulk actions, snooze."""
from datetime import timedelta

from inbox.extensions import db
from inbox.models import (ClassificationCorrection, Conversation, Label, Message, ModerationAction, Notification,
                          SavedReply)
from inbox.models.base import utcnow
from inbox.services import conversations, corrections, presence
from tests.helpers import login, post_signed


def _conversation(client, factory, channel, text="Bonjour", **extra):
    body = post_signed(client, channel, factory.payload(text=text, **extra)).get_json()
    return db.session.get(Conversation, body["conversation_id"])


def test_reply_is_refused_when_someone_wrote_meanwhile_unless_confirmed(client, factory):
    channel = factory.channel()
    agent = factory.user(name="Claire")
    conversation = _conversation(client, factory, channel, "Première question")
    seen = conversation.messages.first().id
    # The citizen writes again while the agent types.
    post_signed(client, channel, factory.payload(text="Et aussi, c'est urgent !", external_id="second",
                                                 parent_external_id=conversation.external_id,
                                                 thread_external_id=conversation.external_id))
    db.session.expire_all()
    newest = Message.query.order_by(Message.id.desc()).first()
    assert newest.id > seen
    login(client, agent)
    data = {"body": "Bonjour, nous regardons.", "last_seen_id": str(seen), "language": "fr"}
    refused = client.post(f"/conversations/{conversation.id}/reply", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Votre réponse n’a pas été envoyée" in page or "Votre réponse n'a pas été envoyée" in page
    assert "Bonjour, nous regardons." in page and 'name="confirm"' in page
    assert Message.query.filter_by(direction="out").count() == 0
    sent = client.post(f"/conversations/{conversation.id}/reply", data={**data, "confirm": "1"})
    assert sent.status_code == 303
    reply = Message.query.filter_by(direction="out").one()
    assert reply.language == "fr"
    # Up to date: no question asked.
    client.post(f"/conversations/{conversation.id}/reply", data={"body": "Suite.", "last_seen_id": str(reply.id)})
    assert Message.query.filter_by(direction="out").count() == 2


def test_reply_length_limit_follows_the_network(client, factory):
    mastodon = factory.channel(name="Mastodon", kind="mastodon")
    conversation = _conversation(client, factory, mastodon)
    login(client, factory.user())
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert 'data-limit="500"' in page
    too_long = client.post(f"/conversations/{conversation.id}/reply", data={"body": "a" * 501})
    assert too_long.status_code == 400 and "500" in too_long.get_data(as_text=True)
    assert client.post(f"/conversations/{conversation.id}/reply", data={"body": "a" * 500}).status_code == 303
    assert client.post(f"/conversations/{conversation.id}/reply",
                       data={"body": "hi", "language": "de"}).status_code == 400


def test_saved_replies_are_offered_with_placeholders_filled(client, factory, app):
    channel = factory.channel()
    conversation = _conversation(client, factory, channel)
    db.session.add(SavedReply(title="Merci", shortcut="merci", language="fr",
                              body="Bonjour {author_name}, merci ! {institution}"))
    db.session.commit()
    login(client, factory.user())
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    name = conversation.author.display_name
    assert f"Bonjour {name}, merci ! {app.config['INSTITUTION_NAME']}" in page
    assert 'id="saved-replies-data"' in page and "{author_name}" not in page


def test_note_mentions_notify_the_colleague(client, factory):
    channel = factory.channel()
    claire = factory.user(name="Claire Dubois", email="claire@parvis.example")
    karim = factory.user(name="Karim Benali", email="karim@parvis.example")
    conversation = _conversation(client, factory, channel)
    login(client, claire)
    client.post(f"/conversations/{conversation.id}/note", data={"body": "@karim peux-tu rappeler ? (cc @Claire)"})
    notification = Notification.query.one()
    assert notification.user_id == karim.id and notification.actor_id == claire.id
    assert notification.conversation_id == conversation.id
    client.post("/logout")
    login(client, karim)
    assert 'data-unread="1"' in client.get("/").get_data(as_text=True)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "Claire Dubois vous a mentionné" in listing and f"/conversations/{conversation.id}#notes-title" in listing
    assert 'data-unread="1"' in client.get("/notifications/badge").get_data(as_text=True)
    client.get(f"/conversations/{conversation.id}")  # opening the conversation reads its notifications
    assert 'data-unread="0"' in client.get("/notifications/badge").get_data(as_text=True)
    assert client.post(f"/conversations/{conversation.id}/note", data={"body": "  "}).status_code == 400


def test_presence_shows_who_is_viewing_or_replying_and_expires(client, factory, app, monkeypatch):
    channel = factory.channel()
    claire = factory.user(name="Claire")
    karim = factory.user(name="Karim")
    conversation = _conversation(client, factory, channel)
    login(client, claire)
    assert client.post(f"/conversations/{conversation.id}/presence", data={"state": "replying"}).status_code == 204
    assert client.post(f"/conversations/{conversation.id}/presence", data={"state": "dancing"}).status_code == 400
    assert "Claire" not in client.get(f"/conversations/{conversation.id}/presence").get_data(as_text=True)
    client.post("/logout")
    login(client, karim)
    seen = client.get(f"/conversations/{conversation.id}/presence").get_data(as_text=True)
    assert "Claire est en train de répondre" in seen
    presence.heartbeat(conversation.id, claire, "viewing")
    assert "Claire consulte" in client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    # A closing page's "left" does not erase the page that replaced it.
    presence.heartbeat(conversation.id, claire, "viewing", page="new")
    presence.leave(conversation.id, claire, page="old")
    assert [p["name"] for p in presence.present(conversation.id)] == ["Claire"]
    presence.leave(conversation.id, claire, page="new")
    assert presence.present(conversation.id) == []
    presence.heartbeat(conversation.id, claire, "viewing")
    later = presence.time.time() + presence.PRESENCE_TTL_SECONDS + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    assert presence.present(conversation.id) == []


def test_moderation_actions_history_and_undo(client, factory):
    channel = factory.channel()
    agent = factory.user(name="Claire")
    conversation = _conversation(client, factory, channel, "Achetez des cryptos sur arnaque.example")
    message = conversation.messages.first()
    login(client, agent)
    response = client.post(f"/messages/{message.id}/moderate", data={"action": "spam", "reason": "spam"})
    assert response.status_code == 303
    db.session.expire_all()
    assert message.visibility == "hidden" and message.flag_spam
    client.post(f"/messages/{message.id}/moderate", data={"action": "block", "reason": "abusive", "comment": "récidive"})
    db.session.expire_all()
    assert message.author.blocked
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "auteur bloqué" in page and "récidive" in page and "Annuler" in page
    assert page.count("marqué comme spam") >= 2  # on the message and in the author's history
    block = ModerationAction.query.filter_by(action="block").one()
    assert client.post(f"/moderation/{block.id}/undo").status_code == 303
    db.session.expire_all()
    assert not message.author.blocked and block.undone_at is not None
    spam = ModerationAction.query.filter_by(action="spam").one()
    spam.created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    late = client.post(f"/moderation/{spam.id}/undo")
    assert late.status_code == 409 and "ne peut plus être annulée" in late.get_data(as_text=True)
    assert client.post(f"/messages/{message.id}/moderate", data={"action": "explode", "reason": "spam"}).status_code == 400
    client.post(f"/messages/{message.id}/moderate", data={"action": "delete", "reason": "spam"})
    db.session.expire_all()
    assert message.visibility == "deleted"
    assert client.post(f"/messages/{message.id}/moderate", data={"action": "unhide", "reason": "other"}).status_code == 400


def test_corrections_are_stored_and_exported_for_training(client, factory):
    channel = factory.channel()
    agent = factory.user()
    conversation = _conversation(client, factory, channel, "Un arbre est tombé sur la route")
    message = conversation.messages.first()
    message.classify_status, message.urgency, message.sentiment = "done", "normal", "neutral"
    message.explanation = ["arbre", "route"]
    db.session.commit()
    login(client, agent)
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "Corriger les étiquettes" in page and "arbre" in page
    response = client.post(f"/messages/{message.id}/correct", data={
        "urgency": "high", "sentiment": "neutral", "flags_present": "1", "flag": ["threat"]})
    assert response.status_code == 303
    rows = {c.field: c for c in ClassificationCorrection.query.all()}
    assert set(rows) == {"urgency", "flags"}
    assert rows["urgency"].old == "normal" and rows["urgency"].new == "high" and rows["urgency"].user_id == agent.id
    assert rows["flags"].new == ["threat"]
    db.session.expire_all()
    assert conversation.urgency == "high" and conversation.flagged
    assert corrections.corrections_for_training() == [
        {"text": "Un arbre est tombé sur la route", "urgency": "high", "flags": ["threat"]}]
    assert client.post(f"/messages/{message.id}/correct", data={"urgency": "apocalyptic"}).status_code == 400


def test_labels_create_apply_and_filter(client, factory):
    channel = factory.channel()
    conversation = _conversation(client, factory, channel)
    login(client, factory.user())
    assert client.post("/admin/labels", data={"name": "voirie", "color": "red"}).status_code == 400
    assert client.post("/admin/labels", data={"name": "voirie", "color": "#AA3300"}).status_code == 303
    assert client.post("/admin/labels", data={"name": "voirie", "color": "#aa3300"}).status_code == 400
    label = Label.query.one()
    assert label.color == "#aa3300"
    client.post(f"/conversations/{conversation.id}/labels", data={"label": [str(label.id)]})
    assert [lb.name for lb in db.session.get(Conversation, conversation.id).labels] == ["voirie"]
    assert f'data-conversation-id="{conversation.id}"' in client.get(f"/?label={label.id}").get_data(as_text=True)
    assert client.post(f"/conversations/{conversation.id}/labels", data={"label": ["999"]}).status_code == 400


def test_bulk_actions_on_a_selection(client, factory):
    channel = factory.channel()
    agent = factory.user()
    convs = [_conversation(client, factory, channel, f"message {i}") for i in range(4)]
    label = Label(name="presse", color="#7c3aed")
    db.session.add(label)
    db.session.commit()
    login(client, agent)
    ids = [str(c.id) for c in convs]
    assert client.post("/inbox/bulk", data={"ids": ids[:2], "action": "resolve"}).status_code == 303
    assert client.post("/inbox/bulk", data={"ids": ids[2:], "action": "label", "label_id": str(label.id)}).status_code == 303
    assert client.post("/inbox/bulk", data={"ids": ids[2:], "action": "assign", "assignee": "me"}).status_code == 303
    assert client.post("/inbox/bulk", data={"ids": ids[3:], "action": "spam"}).status_code == 303
    db.session.expire_all()
    assert [c.status for c in convs] == ["resolved", "resolved", "open", "open"]
    assert all(label in c.labels and c.assignee_id == agent.id for c in convs[2:])
    assert convs[3].messages.first().visibility == "hidden" and convs[3].messages.first().flag_spam
    async_response = client.post("/inbox/bulk", data={"ids": ids[2:3], "action": "hide"}, headers={"HX-Request": "true"})
    assert async_response.status_code == 204 and async_response.headers["HX-Trigger"] == "inbox-changed"
    assert client.post("/inbox/bulk", data={"ids": [], "action": "resolve"}).status_code == 303
    assert client.post("/inbox/bulk", data={"ids": ["99999"], "action": "resolve"}, headers={"HX-Request": "true"}).status_code == 400
    assert client.post("/inbox/bulk", data={"ids": ids, "action": "nuke"}, headers={"HX-Request": "true"}).status_code == 400


def test_snooze_until_a_date_then_wake_up(client, factory):
    channel = factory.channel()
    conversation = _conversation(client, factory, channel)
    login(client, factory.user())
    assert client.post(f"/conversations/{conversation.id}/status",
                       data={"status": "snoozed", "until": "2020-01-01T09:00"}).status_code == 400
    assert client.post(f"/conversations/{conversation.id}/status",
                       data={"status": "snoozed", "until": "soon"}).status_code == 400
    response = client.post(f"/conversations/{conversation.id}/status", data={"status": "snoozed", "until": "tomorrow"})
    assert response.status_code == 303
    db.session.expire_all()
    assert conversation.status == "snoozed" and conversation.snoozed_until > utcnow()
    assert f'data-conversation-id="{conversation.id}"' in client.get("/?view=snoozed").get_data(as_text=True)
    assert conversations.wake_snoozed(now=conversation.snoozed_until + timedelta(seconds=1)) == 1
    db.session.expire_all()
    assert conversation.status == "open" and conversation.snoozed_until is None


def test_live_events_are_named_for_htmx(app):
    from inbox.services.live import frames

    text = frames('{"kind": "conversation.updated", "conversation_id": 7}')
    assert "event: inbox\n" in text and "event: conversation-7\n" in text
    assert frames('{"kind": "presence", "conversation_id": 7}').startswith("event: presence-7\n")
    assert frames('{"kind": "notification", "user_id": 3}').startswith("event: notify-3\n")


def test_train_classifier_uses_the_stored_corrections(client, factory, tmp_path):
    """`parvis train-classifier` adds the staff corrections of the database to its training data."""
    import json as _json

    from workers.cli import main

    channel = factory.channel()
    agent = factory.user()
    conversation = _conversation(client, factory, channel, "Fuite de gaz rue des Lilas, ça sent très fort")
    message = conversation.messages.first()
    message.classify_status, message.urgency, message.sentiment = "done", "normal", "neutral"
    db.session.commit()
    corrections.correct_classification(message, agent, urgency="critical", sentiment="negative")
    runner = client.application.test_cli_runner()
    args = ["train-classifier", "--output", str(tmp_path / "a"), "--sample-every", "60", "--no-public"]
    result = runner.invoke(main, args=args)
    assert result.exit_code == 0, result.output
    assert "1 staff correction(s) from the database" in result.output
    summary = _json.loads(result.output[result.output.index("{"):])
    assert summary["extra_rows"] == 1 and summary["own_rows"] > 0
    without = runner.invoke(main, args=[*args[:2], str(tmp_path / "b"), *args[3:], "--no-corrections"])
    assert without.exit_code == 0, without.output
    other = _json.loads(without.output[without.output.index("{"):])
    assert other["extra_rows"] == 0 and other["data_sha256"] != summary["data_sha256"]
