"""E-mail connector against a real IMAP server and a real SMTP server (aiosmtpd) on loopback."""
import pytest
from rq import SimpleWorker

from inbox.connectors import connector_for
from inbox.extensions import db
from inbox.models import Channel, Conversation, Message
from inbox.redis_conn import get_redis
from inbox.services import replies
from inbox.services.queue import QUEUE_DELIVER
from tests.fakes.imap import PASSWORD, USER, FakeImap
from tests.fakes.smtp import FakeSmtp
from workers.deliver import deliver_reply
from workers.poll import poll_channel

FROM = "contact@villeneuve.example"


def mail(message_id, text, subject="Trottoir abîmé", sender="Léa Martin <lea@example.org>", extra=""):
    return (f"From: {sender}\nTo: {FROM}\nSubject: {subject}\nDate: Thu, 26 Nov 2026 08:00:00 +0100\n"
            f"Message-ID: {message_id}\n{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            f"Content-Transfer-Encoding: 8bit\n\n{text}\n").encode()


@pytest.fixture
def imap():
    with FakeImap() as server:
        yield server


@pytest.fixture
def smtp():
    with FakeSmtp() as server:
        yield server


@pytest.fixture
def channel(make_channel, imap, smtp):
    return make_channel("email", {
        "imap_host": "127.0.0.1", "imap_port": str(imap.port), "imap_ssl": "0", "imap_folder": "INBOX",
        "username": USER, "smtp_host": "127.0.0.1", "smtp_port": str(smtp.port), "smtp_security": "none",
        "from_address": FROM, "from_name": "Mairie de Villeneuve"}, {"password": PASSWORD})


def test_imap_poll_threads_by_references(app, channel, imap):
    imap.deliver(mail("<a1@example.org>", "Le trottoir devant le 12 rue Haute est défoncé."))
    imap.deliver(mail("<b1@example.org>", "Les horaires ?", subject="Horaires", sender="bob@example.org"))
    assert poll_channel(channel.id)["created"] == 2
    assert any(c.endswith("UID SEARCH UID 1:*") for c in imap.commands)
    assert any("BODY.PEEK[]" in c for c in imap.commands)  # fetching does not mark as read
    imap.deliver(mail("<a2@example.org>", "Toujours rien fait.\n\nLe 26/11, Mairie a écrit :\n> Merci",
                      subject="Re: Trottoir abîmé",
                      extra="In-Reply-To: <parvis-reply-9@villeneuve.example>\n"
                            "References: <a1@example.org> <parvis-reply-9@villeneuve.example>\n"))
    assert poll_channel(channel.id)["created"] == 1
    conversation = Conversation.query.filter_by(external_id="<a1@example.org>").one()
    assert conversation.message_count == 2 and conversation.kind == "private"
    assert conversation.post_text == "Trottoir abîmé"
    latest = Message.query.filter_by(external_id="<a2@example.org>").one()
    assert latest.body == "Toujours rien fait."  # the quoted part is left out
    assert latest.author.external_id == "lea@example.org"
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).poll_cursor == f"{imap.uidvalidity}:3"
    # Nothing new: "4:*" still matches UID 3 on the server, the connector filters it out.
    assert poll_channel(channel.id)["created"] == 0


def test_a_new_uidvalidity_reads_the_mailbox_again_without_duplicates(app, channel, imap):
    imap.deliver(mail("<a1@example.org>", "Bonjour"))
    poll_channel(channel.id)
    imap.uidvalidity += 1
    summary = poll_channel(channel.id)
    assert summary["created"] == 0 and summary["duplicates"] == 1


def test_wrong_password_is_reported(app, make_channel, imap):
    channel = make_channel("email", {"imap_host": "127.0.0.1", "imap_port": str(imap.port), "imap_ssl": "0",
                                     "username": USER, "smtp_host": "x", "from_address": FROM},
                           {"password": "wrong"})
    assert poll_channel(channel.id) == "failed"
    db.session.expire_all()
    assert "IMAP login refused" in db.session.get(Channel, channel.id).last_error


def test_reply_over_smtp_with_threading_headers_after_a_temporary_refusal(app, factory, channel, imap, smtp):
    app.config["DELIVERY_RETRY_INTERVALS"] = [0, 0]
    imap.deliver(mail("<a1@example.org>", "Première demande"))
    imap.deliver(mail("<a2@example.org>", "Relance", subject="Re: Trottoir abîmé",
                      extra="In-Reply-To: <a1@example.org>\nReferences: <a1@example.org>\n"))
    poll_channel(channel.id)
    reply = replies.send_reply(Conversation.query.one(), factory.user(), "Nous intervenons lundi.")
    smtp.fail_next = 1
    SimpleWorker([QUEUE_DELIVER], connection=get_redis(app)).work(burst=True)
    assert smtp.refused == 1 and len(smtp.received) == 1
    sent = smtp.received[0]["message"]
    assert sent["To"] == "lea@example.org" and sent["Subject"] == "Re: Trottoir abîmé"
    assert sent["In-Reply-To"] == "<a2@example.org>"
    assert sent["References"] == "<a1@example.org> <a2@example.org>"
    assert sent.get_content().strip() == "Nous intervenons lundi."
    db.session.expire_all()
    stored = db.session.get(Message, reply.id)
    assert stored.delivery_status == "sent" and stored.external_id == sent["Message-ID"]
    # The citizen answers our reply: it joins the same conversation through References.
    imap.deliver(mail("<a3@example.org>", "Merci", subject="Re: Trottoir abîmé",
                      extra=f"In-Reply-To: {sent['Message-ID']}\nReferences: {sent['Message-ID']}\n"))
    poll_channel(channel.id)
    assert Conversation.query.count() == 1


def test_permanent_smtp_refusal_fails_visibly(app, factory, channel, imap, smtp):
    imap.deliver(mail("<a1@example.org>", "Bonjour"))
    poll_channel(channel.id)
    reply = replies.send_reply(Conversation.query.one(), factory.user(), "Bonjour")
    smtp.fail_next, smtp.fail_reply = 1, "550 5.1.1 Mailbox unavailable"
    assert deliver_reply(reply.id) == "failed"
    db.session.expire_all()
    assert "550" in db.session.get(Message, reply.id).delivery_error


def test_check_connection(app, channel):
    assert connector_for(channel).check_connection() == f"{USER} (INBOX: 0)"
