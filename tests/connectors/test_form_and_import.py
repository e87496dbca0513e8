"""The website form endpoint and bulk CSV / JSON import with progress and a per-row report."""
import io
import json

import pytest
from rq import SimpleWorker

from inbox.models import Conversation, Message
from inbox.redis_conn import get_redis
from inbox.services import imports, replies
from inbox.services.queue import QUEUE_MAINTENANCE
from tests.fakes.smtp import FakeSmtp
from tests.helpers import login
from workers.deliver import deliver_reply


@pytest.fixture
def form(make_channel):
    return make_channel("form", {"allowed_origins": "https://www.villeneuve.example"}, name="Site web")


def test_form_post_creates_a_private_conversation_once(client, form):
    data = {"name": "Léa", "email": "Lea@Example.org", "subject": "Cantine", "message": "Le menu de lundi ?",
            "website": ""}
    first = client.post(f"/webhooks/form/{form.id}", data=data, headers={"Origin": "https://www.villeneuve.example"})
    assert first.status_code == 201 and first.get_json()["created"] == 1
    again = client.post(f"/webhooks/form/{form.id}", data=data)
    assert again.status_code == 200 and again.get_json()["created"] == 0
    message = Message.query.one()
    assert message.author.external_id == "lea@example.org" and message.conversation.kind == "private"
    assert message.conversation.post_text == "Cantine"


def test_form_rejections(client, form):
    bad = client.post(f"/webhooks/form/{form.id}", json={"email": "not-an-address", "message": ""})
    assert bad.status_code == 400 and set(bad.get_json()["errors"]) == {"email", "message"}
    other_site = client.post(f"/webhooks/form/{form.id}", data={"email": "a@b.fr", "message": "x"},
                             headers={"Origin": "https://evil.example"})
    assert other_site.status_code == 403
    robot = client.post(f"/webhooks/form/{form.id}", data={"email": "a@b.fr", "message": "x", "website": "spam"})
    assert robot.status_code == 202
    assert client.post("/webhooks/form/999", data={}).status_code == 404
    assert Message.query.count() == 0


def test_form_reply_goes_by_email(app, client, factory, make_channel):
    with FakeSmtp() as smtp:
        channel = make_channel("form", {"smtp_host": "127.0.0.1", "smtp_port": str(smtp.port),
                                        "smtp_security": "none", "from_address": "contact@villeneuve.example"})
        client.post(f"/webhooks/form/{channel.id}", data={"email": "lea@example.org", "message": "Bonjour",
                                                          "subject": "Question"})
        reply = replies.send_reply(Conversation.query.one(), factory.user(), "Bonjour Léa")
        assert deliver_reply(reply.id) == "sent"
        assert smtp.received[0]["to"] == ["lea@example.org"]
        assert smtp.received[0]["message"]["Subject"] == "Re: Question"


CSV = """external_id,text,created_at,author_id,author_name,thread_id,kind
r1,La rue est inondée,2026-11-20T10:00:00Z,u1,Léa,,comment
r2,,2026-11-20T10:00:00Z,u2,Bob,,comment
r3,Merci,not a date,u3,Cléo,,comment
r4,Et la suite ?,2026-11-20T11:00:00Z,u1,Léa,r1,comment
"""


def test_csv_import_reports_each_bad_row_and_skips_known_rows(app, client, factory, make_channel):
    channel = make_channel("api")
    admin = factory.user(role="admin")
    login(client, admin)
    response = client.post(f"/admin/channels/{channel.id}/import",
                           data={"file": (io.BytesIO(CSV.encode()), "messages.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    import_id = response.headers["Location"].rsplit("/", 1)[-1]
    SimpleWorker([QUEUE_MAINTENANCE], connection=get_redis(app)).work(burst=True)
    state = client.get(f"/admin/imports/{import_id}.json").get_json()
    assert state["status"] == "done" and state["total"] == 4 and state["done"] == 4
    assert (state["created"], state["skipped"], state["failed"]) == (2, 0, 2)
    assert [(e["row"], sorted(e["errors"])) for e in state["errors"]] == [(3, ["text"]), (4, ["created_at"])]
    assert Conversation.query.filter_by(external_id="r1").one().message_count == 2
    page = client.get(f"/admin/imports/{import_id}").get_data(as_text=True)
    assert "<progress" in page and 'value="4"' in page
    # The same file again: everything valid is already there.
    again = client.post(f"/admin/channels/{channel.id}/import",
                        data={"file": (io.BytesIO(CSV.encode()), "messages.csv")}, content_type="multipart/form-data")
    SimpleWorker([QUEUE_MAINTENANCE], connection=get_redis(app)).work(burst=True)
    state = imports.progress(again.headers["Location"].rsplit("/", 1)[-1])
    assert (state["created"], state["skipped"], state["failed"]) == (0, 2, 2)
    assert Message.query.count() == 2


def test_json_import_and_unreadable_files(app, client, factory, make_channel):
    channel = make_channel("api")
    login(client, factory.user(role="admin"))
    rows = [factory.payload(external_id=f"j{n}") for n in range(3)]
    response = client.post(f"/admin/channels/{channel.id}/import",
                           data={"file": (io.BytesIO(json.dumps(rows).encode()), "export.json")},
                           content_type="multipart/form-data")
    SimpleWorker([QUEUE_MAINTENANCE], connection=get_redis(app)).work(burst=True)
    assert imports.progress(response.headers["Location"].rsplit("/", 1)[-1])["created"] == 3
    bad = client.post(f"/admin/channels/{channel.id}/import",
                      data={"file": (io.BytesIO(b"{}"), "export.xml")}, content_type="multipart/form-data")
    assert bad.status_code == 400 and ".csv, .json" in bad.get_data(as_text=True)
