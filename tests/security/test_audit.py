"""The audit trail: every staff action recorded with who, what, when, from where; supervisors
browse it with filters and export it as CSV."""
import csv
import io
from datetime import timedelta

from inbox.models import AuditEvent, Conversation, Message
from inbox.models.base import utcnow
from tests.helpers import login, post_signed


def _act_everything(client, factory):
    channel = factory.channel()
    post_signed(client, channel, factory.payload(text="Bonjour"))
    conversation = Conversation.query.one()
    message = Message.query.one()
    agent = factory.user(email="agent@parvis.example")
    supervisor = factory.user(role="supervisor", email="chef@parvis.example")
    client.post("/login", data={"email": agent.email, "password": "wrong"})
    login(client, agent)
    base = f"/conversations/{conversation.id}"
    client.post(f"{base}/reply", data={"body": "Merci, c'est noté."})
    client.post(f"{base}/note", data={"body": "Appeler les services techniques."})
    client.post(f"{base}/assign", data={"assignee": "me"})
    client.post(f"{base}/status", data={"status": "pending"})
    client.post(f"/messages/{message.id}/moderate/hide", data={"reason": "spam"})
    client.post("/logout")
    return agent, supervisor, conversation


EXPECTED = {"auth.login_failed", "auth.login", "reply.create", "note.create", "conversation.assign",
            "conversation.status", "moderation.hide", "auth.logout"}


def test_every_staff_action_is_recorded_with_who_when_and_where(client, factory):
    started = utcnow() - timedelta(seconds=1)
    agent, _, conversation = _act_everything(client, factory)
    events = AuditEvent.query.order_by(AuditEvent.id).all()
    assert {e.action for e in events} == EXPECTED
    for event in events:
        assert event.ip == "127.0.0.1"
        assert started <= event.created_at <= utcnow()
        if event.action != "auth.login_failed":
            assert event.user_id == agent.id, event.action
    assert AuditEvent.query.filter_by(action="auth.login_failed").one().detail == {"email": agent.email}
    status = AuditEvent.query.filter_by(action="conversation.status").one()
    assert (status.target_type, status.target_id) == ("conversation", conversation.id)
    assert status.detail == {"previous": "open", "status": "pending"}


def test_supervisors_browse_filter_and_export_the_trail(client, factory):
    agent, supervisor, _ = _act_everything(client, factory)
    login(client, supervisor)
    page = client.get("/audit/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Journal" in html and 'data-audit-action="moderation.hide"' in html
    filtered = client.get(f"/audit/?user={agent.id}&action=conversation.").get_data(as_text=True)
    assert 'data-audit-action="conversation.status"' in filtered
    assert 'data-audit-action="reply.create"' not in filtered
    today = utcnow().date()
    assert 'data-audit-action' not in client.get(f"/audit/?end={today - timedelta(days=2)}").get_data(as_text=True)
    assert client.get("/audit/?start=yesterday").status_code == 400
    export = client.get(f"/audit/export.csv?user={agent.id}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert {r["action"] for r in rows} == EXPECTED - {"auth.login_failed"}
    assert all(r["user_email"] == agent.email and r["ip"] == "127.0.0.1" for r in rows)
    exported = AuditEvent.query.filter_by(action="audit.export").one()
    assert exported.user_id == supervisor.id and exported.detail == {"filters": {"user": agent.id}}


def test_agents_cannot_read_the_trail(client, factory):
    agent = factory.user()
    login(client, agent)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_csv_export_neutralises_spreadsheet_formulas(client, factory):
    supervisor = factory.user(role="supervisor", email="=1+1@parvis.example")
    login(client, supervisor)
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/export.csv?action=auth.login")
                                           .get_data(as_text=True))))
    assert [r["user_email"] for r in rows] == ["'=1+1@parvis.example"]


def test_exports_settings_and_accounts_made_outside_the_inbox_are_in_the_trail(app, client, factory):
    """The statistics export, the SLA / calendar settings and CLI account creation are audited
    and appear in the trail and its CSV export like every other action."""
    admin = factory.user(role="admin", email="admin@parvis.example")
    login(client, admin)
    assert client.get("/stats/export.csv?from=2025-11-01&to=2025-12-02").status_code == 200
    form = {"timezone": "Europe/Paris", "hours_monday": "09:00-12:00", "sla_critical_kind": "wall",
            "sla_critical_amount": "15", "sla_high_kind": "business", "sla_high_amount": "60",
            "sla_normal_kind": "business_days", "sla_normal_amount": "2", "sla_low_kind": "none"}
    assert client.post("/stats/settings", data=form).status_code == 303
    result = app.test_cli_runner().invoke(args=["create-user", "--email", "new@parvis.example", "--name", "N",
                                                "--role", "supervisor", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    events = {e.action: e for e in AuditEvent.query}
    assert events["stats.export"].user_id == admin.id and events["stats.export"].detail["filters"]["from"]
    assert events["settings.update"].user_id == admin.id
    assert events["user.create"].detail == {"role": "supervisor", "via": "cli"}
    exported = client.get("/audit/export.csv").get_data(as_text=True)
    assert {"stats.export", "settings.update", "user.create"} <= {row[4] for row in csv.reader(io.StringIO(exported))}
    page = client.get("/audit/?action=settings").get_data(as_text=True)
    assert "settings.update" in page
