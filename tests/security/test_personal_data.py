"""Citizens' data: access request (export), erasure, and the retention policy (statistics kept)."""
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from inbox.extensions import db
from inbox.models import AuditEvent, Author, Conversation, Message, Note
from inbox.models.base import utcnow
from inbox.services import notes, replies, stats
from inbox.services.personal_data import apply_retention, months_before
from tests.helpers import login, post_signed


def _citizen(client, factory, channel, external_id, text, **extra):
    payload = factory.payload(text=text, **extra)
    payload["author"] = {"external_id": external_id, "name": f"Nom {external_id}", "handle": f"@{external_id}"}
    return post_signed(client, channel, payload).get_json()


def _classified():
    db.session.execute(update(Message).where(Message.direction == "in").values(
        classify_status="done", urgency="high", sentiment="negative"))
    db.session.commit()


def test_export_gives_everything_about_one_author(app, client, factory):
    channel = factory.channel()
    _citizen(client, factory, channel, "lea", "Mon adresse est 3 rue des Lilas", kind="private")
    _citizen(client, factory, channel, "lea", "Toujours pas de réponse", kind="private")
    _citizen(client, factory, channel, "marc", "Autre personne")
    lea = Author.query.filter_by(external_id="lea").one()
    conversation = Conversation.query.filter_by(author_id=lea.id).one()
    agent = factory.user()
    replies.send_reply(conversation, agent, "Bonjour Léa, nous regardons.")
    notes.add_note(conversation, agent, "Léa a déjà appelé hier.")
    admin = factory.user(role="admin")
    login(client, admin)
    response = client.get(f"/privacy/authors/{lea.id}/export.json")
    assert response.status_code == 200
    data = json.loads(response.get_data())
    assert data["author"]["name"] == "Nom lea" and data["author"]["handle"] == "@lea"
    assert [m["text"] for m in data["messages"]] == ["Mon adresse est 3 rue des Lilas", "Toujours pas de réponse"]
    assert [r["text"] for r in data["replies_from_the_institution"]] == ["Bonjour Léa, nous regardons."]
    assert [n["text"] for n in data["internal_notes"]] == ["Léa a déjà appelé hier."]
    assert "Autre personne" not in response.get_data(as_text=True)
    assert AuditEvent.query.filter_by(action="privacy.export", target_id=lea.id).one().user_id == admin.id


def test_erasure_removes_the_person_and_keeps_the_statistics(app, client, factory):
    channel = factory.channel()
    _citizen(client, factory, channel, "lea", "Je m'appelle Léa Martin, 06 12 34 56 78", kind="private")
    _citizen(client, factory, channel, "marc", "Le lampadaire est cassé")
    _classified()
    lea = Author.query.filter_by(external_id="lea").one()
    conversation = Conversation.query.filter_by(author_id=lea.id).one()
    replies.send_reply(conversation, factory.user(), "Bonjour Madame Martin")
    before = stats.overview()
    admin = factory.user(role="admin")
    login(client, admin)
    page = client.get(f"/privacy/?q=lea")
    assert f"/privacy/authors/{lea.id}" in page.get_data(as_text=True)
    response = client.post(f"/privacy/authors/{lea.id}/erase")
    assert response.status_code == 303
    db.session.expire_all()
    lea = db.session.get(Author, lea.id)
    assert lea.name is None and lea.handle is None and lea.external_id == f"anonymised-{lea.id}"
    assert lea.anonymised_at is not None
    texts = " ".join(db.session.scalars(select(Message.body)).all())
    assert "Léa" not in texts and "06 12" not in texts and "Madame Martin" not in texts
    assert "lampadaire" in texts  # the other citizen is untouched
    assert db.session.get(Conversation, conversation.id).external_id == f"dm:anonymised-{lea.id}"
    assert db.session.get(Conversation, conversation.id).last_excerpt is None
    kept = Message.query.filter_by(author_id=lea.id).one()
    assert kept.urgency == "high" and kept.purged_at is not None and kept.raw is None
    assert stats.overview()["urgency"] == before["urgency"]
    assert AuditEvent.query.filter_by(action="privacy.erase").one().detail == {"messages": 1, "replies": 1,
                                                                                "notes": 0}


def test_only_admins_handle_personal_data_requests(client, factory):
    login(client, factory.user(role="supervisor"))
    assert client.get("/privacy/").status_code == 403


def test_cli_exports_and_erases_an_author(app, client, factory):
    channel = factory.channel()
    _citizen(client, factory, channel, "paul", "Bonjour, je suis Paul")
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["export-author", "--channel", str(channel.id), "--external-id", "paul"])
    assert exported.exit_code == 0 and json.loads(exported.output)["messages"][0]["text"] == "Bonjour, je suis Paul"
    erased = runner.invoke(args=["erase-author", "--channel", str(channel.id), "--external-id", "paul", "--yes"])
    assert erased.exit_code == 0 and json.loads(erased.output)["messages"] == 1
    db.session.expire_all()
    assert Message.query.one().body == ""
    missing = runner.invoke(args=["export-author", "--author-id", "999"])
    assert missing.exit_code != 0 and "No such author" in missing.output


def _age(days: int):
    """Make every row look `days` old."""
    old = utcnow() - timedelta(days=days)
    for model, column in ((Message, "received_at"), (Message, "created_at"), (Author, "created_at"),
                          (Note, "created_at"), (Conversation, "last_message_at")):
        db.session.execute(update(model).values({column: old}))
    db.session.commit()


def test_retention_purges_old_texts_anonymises_old_authors_and_keeps_statistics(app, client, factory):
    channel = factory.channel()
    _citizen(client, factory, channel, "ancien", "Vieux message de 2024 avec mon nom")
    conversation = Conversation.query.one()
    notes.add_note(conversation, factory.user(), "Note ancienne sur M. Ancien")
    _classified()
    _age(days=800)
    _citizen(client, factory, channel, "recent", "Message récent")
    dry = apply_retention(24, dry_run=True)
    assert (dry.messages, dry.notes, dry.authors) == (1, 1, 1)
    assert Message.query.filter(Message.body != "").count() == 2  # a dry run changes nothing
    counted = db.session.scalar(select(func.count()).select_from(Message))
    report = apply_retention(24)
    assert (report.messages, report.notes, report.authors) == (1, 1, 1)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Message)) == counted
    assert {m.body for m in Message.query.all()} == {"", "Message récent"}
    old = Author.query.filter(Author.anonymised_at.isnot(None)).one()
    assert old.name is None and Author.query.filter_by(external_id="recent").one().name == "Nom recent"
    assert Note.query.one().body == ""
    assert Message.query.filter_by(body="").one().urgency == "high"
    assert apply_retention(24).messages == 0  # idempotent
    assert AuditEvent.query.filter_by(action="privacy.retention").count() == 1
    db.session.execute(update(AuditEvent).where(AuditEvent.action == "note.create")
                       .values(created_at=utcnow() - timedelta(days=400)))
    db.session.commit()
    assert apply_retention(24, audit_months=12).audit_events == 1
    assert AuditEvent.query.filter_by(action="note.create").count() == 0


def test_retention_command_dry_run(app, client, factory, monkeypatch):
    from click.testing import CliRunner

    from workers.cli import main

    channel = factory.channel()
    _citizen(client, factory, channel, "x", "Ancien")
    _age(days=400)
    app.config["RETENTION_MONTHS"] = 12
    result = CliRunner().invoke(main, ["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["messages_purged"] == 1
    db.session.expire_all()
    assert Message.query.one().body == "Ancien"


def test_months_before_handles_month_ends():
    assert months_before(datetime(2026, 3, 31, tzinfo=timezone.utc), 1) == datetime(2026, 2, 28, tzinfo=timezone.utc)
    assert months_before(datetime(2026, 1, 15, tzinfo=timezone.utc), 24) == datetime(2024, 1, 15, tzinfo=timezone.utc)
