"""The web inbox: sign-in, the queue order, and every action on a conversation (with its audit)."""
from datetime import datetime, timedelta, timezone

from inbox.extensions import db
from inbox.models import AuditEvent, Conversation, Message, ModerationAction, Note
from inbox.services.queue import QUEUE_DELIVER
from tests.helpers import login, post_signed


def _conversation(client, factory, channel, text="Bonjour", **extra):
    body = post_signed(client, channel, factory.payload(text=text, **extra)).get_json()
    return db.session.get(Conversation, body["conversation_id"])


def test_login_page_is_french_by_default_and_wrong_password_fails(client, factory):
    user = factory.user()
    page = client.get("/login")
    assert page.status_code == 200
    assert "Se connecter" in page.get_data(as_text=True)
    response = login(client, user, password="wrong password")
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert AuditEvent.query.filter_by(action="auth.login_failed").count() == 1


def test_login_then_logout(client, factory):
    user = factory.user()
    assert login(client, user).status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.query.filter_by(action="auth.login", user_id=user.id).count() == 1
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_english_per_user(client, factory):
    user = factory.user(locale="en")
    login(client, user)
    page = client.get("/").get_data(as_text=True)
    assert "Inbox" in page and "Boîte de réception" not in page
    # The view labels (translated once per locale and process) follow the locale too.
    assert "To handle" in page and "À traiter" not in page
    client.post("/language", data={"locale": "fr", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert "Boîte de réception" in page and "À traiter" in page and "To handle" not in page
    client.post("/language", data={"locale": "en", "next": "/"})
    assert "To handle" in client.get("/").get_data(as_text=True)


def test_queue_orders_by_urgency_then_waiting_time(client, factory):
    channel = factory.channel()
    user = factory.user()
    old_normal = _conversation(client, factory, channel, "ancien", created_at="2026-11-19T08:00:00Z")
    new_normal = _conversation(client, factory, channel, "récent", created_at="2026-11-20T08:00:00Z")
    critical = _conversation(client, factory, channel, "urgent", created_at="2026-11-21T08:00:00Z")
    low = _conversation(client, factory, channel, "merci", created_at="2026-11-18T08:00:00Z")
    for conversation, urgency, rank in ((critical, "critical", 0), (low, "low", 3)):
        conversation.urgency, conversation.urgency_rank = urgency, rank
    db.session.commit()
    login(client, user)
    page = client.get("/").get_data(as_text=True)
    order = [page.index(f'data-conversation-id="{c.id}"') for c in (critical, old_normal, new_normal, low)]
    assert order == sorted(order)
    filtered = client.get("/?urgency=critical").get_data(as_text=True)
    assert f'data-conversation-id="{critical.id}"' in filtered
    assert f'data-conversation-id="{low.id}"' not in filtered
    assert client.get("/?urgency=bogus").status_code == 400


def test_reply_is_queued_for_delivery_and_audited(client, factory, redis_client):
    channel = factory.channel()
    user = factory.user()
    conversation = _conversation(client, factory, channel)
    login(client, user)
    response = client.post(f"/conversations/{conversation.id}/reply", data={"body": "Bonjour, la mairie ouvre à 8h30."})
    assert response.status_code == 303
    reply = Message.query.filter_by(direction="out").one()
    assert reply.delivery_status == "queued" and reply.user_id == user.id
    assert redis_client.llen(f"rq:queue:{QUEUE_DELIVER}") == 1
    db.session.refresh(conversation)
    assert conversation.first_response_at is not None and conversation.waiting_since is None
    assert AuditEvent.query.filter_by(action="reply.create").count() == 1
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "la mairie ouvre à 8h30" in page and "en file d’attente" in page


def test_empty_reply_is_refused(client, factory):
    channel = factory.channel()
    conversation = _conversation(client, factory, channel)
    login(client, factory.user())
    client.post(f"/conversations/{conversation.id}/reply", data={"body": "   "})
    assert Message.query.filter_by(direction="out").count() == 0


def test_status_assign_note_and_hide(client, factory):
    channel = factory.channel()
    agent = factory.user(name="Claire")
    colleague = factory.user(name="Karim")
    conversation = _conversation(client, factory, channel, "Vous êtes des nuls, appelez-moi au 06 12 34 56 78")
    message = conversation.messages.first()
    login(client, agent)
    client.post(f"/conversations/{conversation.id}/assign", data={"assignee": "me"})
    assert db.session.get(Conversation, conversation.id).assignee_id == agent.id
    client.post(f"/conversations/{conversation.id}/assign", data={"assignee": str(colleague.id)})
    assert db.session.get(Conversation, conversation.id).assignee_id == colleague.id
    client.post(f"/conversations/{conversation.id}/note", data={"body": "@Karim tu peux rappeler ?"})
    assert Note.query.one().body == "@Karim tu peux rappeler ?"
    client.post(f"/messages/{message.id}/moderate/hide", data={"reason": "personal_data", "comment": "numéro"})
    assert db.session.get(Message, message.id).visibility == "hidden"
    assert ModerationAction.query.one().reason == "personal_data"
    assert client.post(f"/messages/{message.id}/moderate/hide", data={"reason": "because"}).status_code == 400
    client.post(f"/conversations/{conversation.id}/status", data={"status": "pending"})
    assert db.session.get(Conversation, conversation.id).status == "pending"
    client.post(f"/conversations/{conversation.id}/status", data={"status": "resolved"})
    resolved = db.session.get(Conversation, conversation.id)
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    actions = {e.action for e in AuditEvent.query.filter_by(user_id=agent.id)}
    assert {"conversation.assign", "note.create", "moderation.hide", "conversation.status"} <= actions
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "masqué" in page and "données personnelles" in page


def test_message_text_is_escaped(client, factory):
    channel = factory.channel()
    conversation = _conversation(client, factory, channel, '<script>alert("x")</script><img src=x onerror=alert(1)>')
    login(client, factory.user())
    page = client.get(f"/conversations/{conversation.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page


def test_supervisor_page_is_for_supervisors(client, factory):
    channel = factory.channel()
    agent = factory.user(role="agent")
    supervisor = factory.user(role="supervisor")
    _conversation(client, factory, channel)
    login(client, agent)
    assert client.get("/stats/").status_code == 403
    client.post("/logout")
    login(client, supervisor)
    page = client.get("/stats/").get_data(as_text=True)
    assert 'data-figure="status-open">1<' in page


def test_csrf_is_enforced_on_forms(app, factory):
    app.config["WTF_CSRF_ENABLED"] = True
    user = factory.user()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 400
    assert AuditEvent.query.filter_by(action="auth.login").count() == 0


def test_template_translations_follow_force_locale_and_refresh_within_one_request(app):
    """Templates remember the request's catalogue; switching the locale mid-request (an e-mail
    in the recipient's language, a language change) must still take effect at once."""
    from flask import render_template_string, session
    from flask_babel import force_locale, refresh

    template = "{{ _('Inbox') }}"
    with app.test_request_context("/"):
        assert render_template_string(template) == "Boîte de réception"
        with force_locale("en"):
            assert render_template_string(template) == "Inbox"
        assert render_template_string(template) == "Boîte de réception"
        session["locale"] = "en"
        assert render_template_string(template) == "Boîte de réception"  # remembered for this request...
        refresh()
        assert render_template_string(template) == "Inbox"  # ...until refresh(), as with Flask-Babel
    with app.test_request_context("/"):
        assert render_template_string("{{ ngettext('%(num)d unread', '%(num)d unread', 2) }}") == "2 non lues"
