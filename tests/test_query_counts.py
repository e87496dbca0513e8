"""No N+1: the number of SQL queries behind each main page does not grow with the rows it shows."""
import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from inbox.extensions import db
from inbox.models import Author, Conversation, Label, Message, ModerationAction, Note
from inbox.models.base import utcnow
from tests.helpers import login


@contextmanager
def count_queries():
    """Count the SQL statements the application sends to the database."""
    statements = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _fill(factory, rows: int, staff: list):
    """`rows` conversations, each from its own author, on two channels, assigned and labelled in turn,
    and one long conversation with `rows` inbound messages (distinct authors), `rows` replies by
    different staff, `rows` notes and `rows` moderation actions."""
    channels = [factory.channel(name="Facebook", kind="facebook"), factory.channel(name="Mastodon", kind="mastodon")]
    labels = [Label(name=f"label-{rows}-{i}") for i in range(rows)]
    db.session.add_all(labels)
    now = utcnow()
    for i in range(rows):
        channel = channels[i % 2]
        author = Author(channel_id=channel.id, external_id=f"a{rows}-{i}", name=f"Citoyen {i}")
        conversation = Conversation(
            channel_id=channel.id, external_id=f"c{rows}-{i}", author=author, status="open",
            assignee=staff[i % len(staff)], urgency="normal", urgency_rank=2,
            waiting_since=now - timedelta(minutes=i), message_count=1, last_excerpt=f"message {i}",
            labels=[labels[i]])
        db.session.add(Message(conversation=conversation, channel_id=channel.id, external_id=f"m{rows}-{i}",
                               author=author, body=f"message {i}", classify_status="done", urgency="normal"))
    long_thread = Conversation(channel_id=channels[0].id, external_id=f"long-{rows}", status="open",
                               urgency_rank=0, urgency="critical", waiting_since=now - timedelta(days=1),
                               labels=labels[:rows])
    db.session.add(long_thread)
    for i in range(rows):
        author = Author(channel_id=channels[0].id, external_id=f"long-a{rows}-{i}", name=f"Auteur {i}")
        inbound = Message(conversation=long_thread, channel_id=channels[0].id, external_id=f"long-m{rows}-{i}",
                          author=author, body=f"question {i}", classify_status="done", urgency="critical",
                          created_at=now - timedelta(minutes=2 * i + 1))
        reply = Message(conversation=long_thread, channel_id=channels[0].id, direction="out",
                        user=staff[i % len(staff)], body=f"réponse {i}", delivery_status="sent",
                        created_at=now - timedelta(minutes=2 * i))
        db.session.add_all([inbound, reply])
        db.session.flush()
        db.session.add(Note(conversation_id=long_thread.id, user=staff[i % len(staff)], body=f"note {i}"))
        db.session.add(ModerationAction(message_id=inbound.id, user_id=staff[i % len(staff)].id,
                                        action="hide", reason="spam"))
    long_thread.message_count = 2 * rows
    db.session.commit()
    return long_thread.id


PAGES = {
    "inbox list": lambda conv_id: "/?status=all",
    "conversation page": lambda conv_id: f"/conversations/{conv_id}",
    "stats page": lambda conv_id: "/stats/",
    "API list": lambda conv_id: "/api/v1/conversations?status=all&limit=200",
    "API conversation": lambda conv_id: f"/api/v1/conversations/{conv_id}",
}


def _queries_per_page(app, client, factory, rows: int) -> dict:
    supervisor = factory.user(role="supervisor")
    staff = [supervisor] + [factory.user() for _ in range(max(1, rows // 2))]
    token = factory.token(supervisor)
    conv_id = _fill(factory, rows, staff)
    assert login(client, supervisor).status_code == 302
    counts = {}
    for page, path in PAGES.items():
        headers = {"Authorization": f"Bearer {token}"} if "API" in page else None
        client.get(path(conv_id), headers=headers)  # warm caches (locale, templates)
        db.session.expire_all()
        with count_queries() as statements:
            response = client.get(path(conv_id), headers=headers)
        assert response.status_code == 200, (page, response.status_code)
        counts[page] = len(statements)
    return counts


def test_query_counts_do_not_grow_with_rows(app, client, factory):
    small = _queries_per_page(app, client, factory, rows=3)
    # A second, larger data set in the same database: every page now shows four times more rows.
    large = _queries_per_page(app, client, factory, rows=12)
    for page in PAGES:
        assert large[page] == small[page], f"{page}: {small[page]} queries for 3 rows, {large[page]} for 12"
        assert small[page] <= 40, f"{page}: {small[page]} queries"  # a sanity bound; equality is the test


def test_the_pages_really_show_more_rows(app, client, factory):
    """Guard for the test above: the larger data set is visible on the pages it measures."""
    supervisor = factory.user(role="supervisor")
    conv_id = _fill(factory, 12, [supervisor])
    login(client, supervisor)
    page = client.get(f"/conversations/{conv_id}").get_data(as_text=True)
    assert len(re.findall(r"question \d+", page)) == 12 and len(re.findall(r"réponse \d+", page)) == 12
    listing = client.get("/?status=all").get_data(as_text=True)
    assert listing.count('class="conversation-row') == 13
