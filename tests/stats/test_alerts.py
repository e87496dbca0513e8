"""SLA warnings and breach notices: in-app once per cycle, and by e-mail to a real SMTP server."""
import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from inbox.extensions import db
from inbox.models import Conversation, ConversationCycle, Notification
from inbox.models.base import utcnow
from inbox.services import conversations, replies, settings
from inbox.services.ingest import ingest_messages
from inbox.services.validation import validate_messages
from tests.helpers import login
from workers.alerts import run_alerts

ALWAYS_OPEN = {"timezone": "Europe/Paris", "hours": {d: [["00:00", "24:00"]] for d in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}, "public_holidays": False}


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp(app):
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="parvis@mairie.example")
    yield mailbox
    controller.stop()


def _critical(channel, minutes_ago, thread):
    items, errors = validate_messages({
        "external_id": f"m-{thread}", "thread_external_id": thread, "kind": "comment", "text": "Au secours",
        "created_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat(),
        "author": {"external_id": f"a-{thread}"}}, 10)
    assert not errors
    message = ingest_messages(channel, items)[0].message
    message.classify_status, message.urgency = "done", "critical"
    conversations.refresh_classification([message.conversation_id])
    db.session.commit()
    return db.session.get(Conversation, message.conversation_id)


def test_warning_then_breach_once_each_to_assignee_and_supervisors(app, factory, smtp):
    settings.save_calendar(ALWAYS_OPEN)
    db.session.commit()
    channel = factory.channel()
    agent, supervisor = factory.user(name="Agent", locale="fr"), factory.user(role="supervisor", name="Chef")
    factory.user(name="Other agent")
    # Critical target 30 min wall clock: warning from 24 min, breach at 30 min.
    warned = _critical(channel, 26, "w")
    warned.assignee = agent
    breached = _critical(channel, 31, "b")
    fine = _critical(channel, 5, "f")
    answered = _critical(channel, 40, "a")
    replies.send_reply(answered, agent, "Nous arrivons.")
    db.session.commit()
    run_alerts()
    run_alerts()  # a second sweep sends nothing new
    notes = Notification.query.order_by(Notification.id).all()
    assert sorted((n.kind, n.conversation_id, n.user_id) for n in notes) == sorted([
        ("sla.warning", warned.id, agent.id), ("sla.warning", warned.id, supervisor.id),
        ("sla.breach", breached.id, supervisor.id)])
    assert all(n.emailed_at is not None for n in notes)
    assert fine.id not in {n.conversation_id for n in notes}
    recipients = sorted(r for rcpt, _ in smtp.messages for r in rcpt)
    assert recipients == sorted([agent.email, supervisor.email, supervisor.email])
    mails = [email.message_from_string(body, policy=email.policy.default) for _, body in smtp.messages]
    breach_mail = next(m for m in mails if m["Subject"] == "[Parvis] Délai de réponse dépassé")
    assert f"n° {breached.id} (critique)" in breach_mail.get_content() and breach_mail["To"] == supervisor.email
    cycle = ConversationCycle.query.filter_by(conversation_id=breached.id).one()
    assert cycle.sla_breach_notified_at is not None


def test_inbox_row_shows_the_countdown_and_the_header_the_notifications(client, factory):
    settings.save_calendar(ALWAYS_OPEN)
    db.session.commit()
    channel = factory.channel()
    agent = factory.user()
    near = _critical(channel, 26, "near")
    late = _critical(channel, 45, "late")
    _critical(channel, 1, "calm")
    run_alerts()
    login(client, agent)
    page = client.get("/").get_data(as_text=True)
    assert page.count('data-sla="warning"') == 1 and page.count('data-sla="breached"') == 1
    assert "min restantes" in page and "Délai dépassé" in page
    assert near.id and late.id


def test_smtp_outage_is_retried_later(app, factory):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1)  # nothing listens there
    settings.save_calendar(ALWAYS_OPEN)
    db.session.commit()
    factory.user(role="supervisor")
    _critical(factory.channel(), 31, "x")
    run_alerts()
    note = Notification.query.one()
    assert note.emailed_at is None and note.email_error


def test_mentions_share_the_notifications_page_and_e_mail_and_notices_light_the_badge_live(
        app, client, factory, smtp, monkeypatch):
    from inbox.services import events, notes

    published = []
    monkeypatch.setattr(events, "publish", lambda kind, **data: published.append((kind, data)))
    settings.save_calendar(ALWAYS_OPEN)
    db.session.commit()
    channel = factory.channel()
    claire = factory.user(name="Claire Dubois", email="claire@parvis.example")
    karim = factory.user(name="Karim Benali", email="karim@parvis.example", role="supervisor", locale="fr")
    late = _critical(channel, 31, "late")
    notes.add_note(late, claire, "@karim tu peux rappeler ?")
    run_alerts()
    kinds = sorted(n.kind for n in Notification.query.filter_by(user_id=karim.id))
    assert kinds == ["mention", "sla.breach"]
    assert ("notification", {"user_id": karim.id, "conversation_id": late.id}) in published
    assert sum(1 for kind, data in published if kind == "notification" and data["user_id"] == karim.id) == 2
    mails = [email.message_from_string(body, policy=email.policy.default) for _, body in smtp.messages]
    mention = next(m for m in mails if m["Subject"] == "[Parvis] Un collègue vous a mentionné")
    assert "Claire Dubois vous a mentionn" in mention.get_content() and str(late.id) in mention.get_content()
    login(client, karim)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Claire Dubois vous a mentionné" in page
    assert f"n° {late.id} (critique)" in page and 'data-unread="2"' in page
