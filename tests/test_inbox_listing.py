"""The inbox list: views and their counts, filters, full-text search, keyset pagination."""
from datetime import datetime, timedelta, timezone

from inbox.extensions import db
from inbox.models import Conversation, Label
from inbox.services import listing
from tests.helpers import login, post_signed


def _conversation(client, factory, channel, text="Bonjour", **extra):
    body = post_signed(client, channel, factory.payload(text=text, **extra)).get_json()
    return db.session.get(Conversation, body["conversation_id"])


def _ids(page_html: str, conversations) -> list[int]:
    return [c.id for c in conversations if f'data-conversation-id="{c.id}"' in page_html]


def test_views_hold_the_right_conversations_and_counts(client, factory):
    channel = factory.channel()
    me = factory.user(name="Claire")
    other = factory.user(name="Karim")
    open_mine = _conversation(client, factory, channel, "un")
    open_unassigned = _conversation(client, factory, channel, "deux")
    pending_other = _conversation(client, factory, channel, "trois")
    snoozed = _conversation(client, factory, channel, "quatre")
    resolved = _conversation(client, factory, channel, "cinq")
    flagged = _conversation(client, factory, channel, "six")
    hidden = _conversation(client, factory, channel, "sept")
    open_mine.assignee_id = me.id
    pending_other.status, pending_other.assignee_id = "pending", other.id
    snoozed.status, snoozed.snoozed_until = "snoozed", datetime.now(timezone.utc) + timedelta(days=1)
    resolved.status = "resolved"
    flagged.flagged = True
    hidden.messages.first().visibility = "hidden"
    db.session.commit()
    login(client, me)
    expected = {
        "to_handle": {open_mine, open_unassigned, flagged, hidden},
        "mine": {open_mine},
        "unassigned": {open_unassigned, flagged, hidden},
        "pending": {pending_other},
        "snoozed": {snoozed},
        "resolved": {resolved},
        "moderation": {flagged, hidden},
        "all": {open_mine, open_unassigned, pending_other, snoozed, resolved, flagged, hidden},
    }
    everything = list(expected["all"])
    for view, members in expected.items():
        page = client.get(f"/?view={view}").get_data(as_text=True)
        assert set(_ids(page, everything)) == {c.id for c in members}, view
        assert f'data-count="{view}">{len(members)}<' in page, view
    assert listing.view_counts(me)["moderation"] == 2
    assert client.get("/?view=nope").status_code == 400


def test_filters_channel_label_language_sentiment_dates(client, factory):
    facebook = factory.channel(name="Facebook")
    form = factory.channel(name="Formulaire")
    user = factory.user()
    a = _conversation(client, factory, facebook, "Bonjour la mairie", created_at="2026-11-01T10:00:00Z")
    b = _conversation(client, factory, form, "Hello town hall", created_at="2026-11-20T10:00:00Z")
    label = Label(name="travaux", color="#b45309")
    db.session.add(label)
    a.labels.append(label)
    a.sentiment = "negative"
    a.messages.first().language = "fr"
    b.messages.first().language = "en"
    a.messages.first().flag_threat = True
    b.messages.first().flag_spam = True
    b.flagged = True
    db.session.commit()
    login(client, user)

    def shown(query):
        response = client.get(f"/?{query}")
        assert response.status_code == 200, query
        return set(_ids(response.get_data(as_text=True), [a, b]))

    assert shown(f"channel={form.id}") == {b.id}
    assert shown(f"label={label.id}") == {a.id}
    assert shown("language=en") == {b.id}
    assert shown("sentiment=negative") == {a.id}
    assert shown("view=all&flag=threat") == {a.id}
    assert shown("view=all&flag=spam") == {b.id}
    assert shown("view=all&flag=toxic") == set()
    assert shown("view=all&flag=any") == {b.id}
    assert shown("since=2026-11-10") == {b.id}
    assert shown("until=2026-11-10") == {a.id}
    assert shown("since=2026-11-01&until=2026-11-20") == {a.id, b.id}
    response = client.get("/?since=yesterday")
    assert response.status_code == 400 and "since" in response.get_data(as_text=True)
    assert client.get("/?label=abc").status_code == 400


def test_full_text_search_folds_accents_and_matches_word_forms(client, factory, backend):
    channel = factory.channel()
    user = factory.user()
    school = _conversation(client, factory, channel, "Fuite d'eau devant l'école Jules Ferry")
    flood = _conversation(client, factory, channel, "Les inondations ont envahi la cave")
    other = _conversation(client, factory, channel, "Horaires de la piscine municipale")
    login(client, user)

    def found(q):
        return set(_ids(client.get("/", query_string={"q": q}).get_data(as_text=True), [school, flood, other]))

    assert found("ecole") == {school.id}          # accents folded
    assert found("ÉCOLE ferry") == {school.id}     # case and accents, every word must match
    assert found("inondation") == {flood.id}       # word forms (stem on PostgreSQL, prefix on SQLite)
    assert found("piscine") == {other.id}
    assert found("tramway") == set()
    if backend == "postgresql":
        assert found("envahie") == {flood.id}      # French stemming: envahi / envahie share a stem
    # the FTS index follows edits of a message body
    message = other.messages.first()
    message.body = "Horaires du gymnase"
    db.session.commit()
    assert found("gymnase") == {other.id} and found("piscine") == set()


def test_search_finds_a_message_in_every_classification_state_once(client, factory, backend, monkeypatch):
    """The PostgreSQL index covers settled messages only (migration i11_search_settled); search
    reads it for those and matches pending and processing ones directly: each state is found,
    and a message changing state is never lost nor counted twice."""
    from sqlalchemy import select

    from inbox.models import Message
    from inbox.services import search

    channel = factory.channel()
    states = ("pending", "processing", "done", "failed", None)
    conversations = {state: _conversation(client, factory, channel, f"Lampadaire cassé rue {i}")
                     for i, state in enumerate(states)}
    for state, conversation in conversations.items():
        conversation.messages.first().classify_status = state
    db.session.commit()
    login(client, factory.user())

    def matching():
        return sorted(db.session.scalars(select(Message.conversation_id).where(
            Message.id.in_(search.matching_message_ids("lampadaire")))).all())

    assert matching() == sorted(c.id for c in conversations.values())
    def listed():
        html = client.get("/", query_string={"q": "lampadaire", "status": "all"}).get_data(as_text=True)
        return set(_ids(html, conversations.values()))

    assert listed() == {c.id for c in conversations.values()}
    # PostgreSQL lists by ids up to FEW_MATCHES matches, and probes in queue order beyond: same list.
    for few in (0, 4, 5):
        monkeypatch.setattr(search, "FEW_MATCHES", few)
        assert listed() == {c.id for c in conversations.values()}, few
        if backend == "postgresql":  # five matching messages: by ids up to five, a probe below
            assert ("ANY" if few >= 5 else "EXISTS") in str(search.conversation_condition("lampadaire")), few
    moving = conversations["pending"].messages.first()
    for state in ("processing", "done", "pending", "failed"):
        moving.classify_status = state
        db.session.commit()
        assert matching() == sorted(c.id for c in conversations.values()), state
    if backend == "postgresql":
        # The settled branch reads the partial GIN index, the unsettled one its own partial index.
        sql = str(search.matching_message_ids("lampadaire").compile(
            db.engine, compile_kwargs={"literal_binds": True}))
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + sql).scalars())
        assert "ix_message_search" in plan and "ix_message_unclassified" in plan, plan


def test_search_without_words_lists_everything_and_odd_queries_do_not_fail(client, factory, backend):
    channel = factory.channel()
    school = _conversation(client, factory, channel, "Fuite d'eau devant l'école")
    other = _conversation(client, factory, channel, "Horaires de la piscine")
    login(client, factory.user())

    def listed(q):
        response = client.get("/", query_string={"q": q, "status": "all"})
        assert response.status_code == 200, (q, response.status_code)
        return set(_ids(response.get_data(as_text=True), [school, other]))

    assert listed("   ") == listed("!!! ?") == {school.id, other.id}  # no word: no search
    # Quotes, operators and SQL-looking text are searched as words, never an error.
    assert listed('"école') == {school.id}
    # PostgreSQL reads web-search syntax (OR, -exclusion); SQLite requires every word.
    assert listed("école OR -piscine") == ({school.id} if backend == "postgresql" else set())
    assert listed("'; DROP TABLE message; --") == set()
    assert listed("piscine") == {other.id}


def test_keyset_pagination_walks_every_conversation_once_in_order(client, factory, app):
    channel = factory.channel()
    user = factory.user()
    items = [factory.payload(text=f"message {i}", created_at=f"2026-11-{1 + i % 20:02d}T10:00:00Z")
             for i in range(120)]
    assert post_signed(client, channel, items).status_code == 201
    # A few urgent and unwaiting ones so the cursor crosses ranks and nulls.
    conversations = Conversation.query.order_by(Conversation.id).all()
    for conversation in conversations[::7]:
        conversation.urgency, conversation.urgency_rank = "critical", 0
    for conversation in conversations[::11]:
        conversation.waiting_since = None
    db.session.commit()
    filters = listing.InboxFilters.from_args({"view": "all"})
    expected = [c.id for c in db.session.scalars(listing.conversation_query(filters, user)).unique()]
    seen, cursor = [], None
    while True:
        page = listing.list_page(listing.InboxFilters.from_args({"view": "all", **({"after": cursor} if cursor else {})}),
                                 user, size=50)
        seen += [c.id for c in page.conversations]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected and len(seen) == 120
    login(client, user)
    first = client.get("/?view=all").get_data(as_text=True)
    assert first.count('class="conversation-row') == 50 and "load-more" in first
    assert client.get("/inbox/rows?view=all&after=%%%").status_code == 400


def test_view_counts_match_a_count_of_every_conversation_after_any_kind_of_change(client, factory):
    """The counts read unresolved conversations plus the resolved count (trigger-kept on
    PostgreSQL): they must equal a plain count over every row, whichever way rows changed."""
    import random

    from sqlalchemy import delete, update

    from inbox.models import Message

    channel = factory.channel()
    me, other = factory.user(name="Claire"), factory.user(name="Karim")
    rng = random.Random(11)
    conversations = [_conversation(client, factory, channel, f"message {i}") for i in range(40)]
    for c in conversations:  # through the ORM
        c.status = rng.choice(("open", "pending", "resolved", "snoozed"))
        c.assignee_id = rng.choice((None, me.id, other.id))
        c.flagged = rng.random() < 0.2
        if rng.random() < 0.15:
            c.messages.first().visibility = "hidden"
    db.session.commit()
    # In bulk SQL, and a deletion.
    db.session.execute(update(Conversation).where(Conversation.id.in_([c.id for c in conversations[:10]]))
                       .values(status="resolved"))
    db.session.execute(update(Conversation).where(Conversation.id.in_([c.id for c in conversations[10:14]]))
                       .values(status="open", assignee_id=None))
    db.session.execute(delete(Conversation).where(Conversation.id == conversations[20].id))
    db.session.commit()
    db.session.expire_all()

    rows = db.session.query(Conversation).all()
    hidden = {m.conversation_id for m in db.session.query(Message).filter_by(visibility="hidden")}
    expected = {
        "to_handle": sum(c.status == "open" for c in rows),
        "mine": sum(c.assignee_id == me.id and c.status in ("open", "pending") for c in rows),
        "unassigned": sum(c.assignee_id is None and c.status == "open" for c in rows),
        "pending": sum(c.status == "pending" for c in rows),
        "snoozed": sum(c.status == "snoozed" for c in rows),
        "resolved": sum(c.status == "resolved" for c in rows),
        "moderation": sum(c.status != "resolved" and (c.flagged or c.id in hidden) for c in rows),
        "all": len(rows),
    }
    assert expected["resolved"] >= 10 and expected["moderation"] > 0 and len(rows) == 39
    assert listing.view_counts(me) == expected
    # And the moderation view lists exactly the conversations its count counts.
    login(client, me)
    page = client.get("/?view=moderation").get_data(as_text=True)
    assert len(_ids(page, rows)) == expected["moderation"]
