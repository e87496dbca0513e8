"""The demo as `parvis run` leaves it: this week's messages, classified, with a team's past work."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from inbox.demo import load_demo_messages
from inbox.demo.seed import HISTORY_FRESH, demo_shift, seed, seed_history
from inbox.extensions import db
from inbox.models import Conversation, ConversationCycle, Message, ReplyEvent, User
from workers import classify

NOW = datetime.now(timezone.utc).replace(microsecond=0)  # the API refuses messages from the future


def _corpus_newest() -> datetime:
    return max(datetime.fromisoformat(m["created_at"].replace("Z", "+00:00")) for m in load_demo_messages())


def test_the_corpus_is_moved_to_the_day_before_now_by_whole_days(app, factory):
    summary = seed(now=NOW)
    assert summary["messages"] == len(load_demo_messages())
    newest = db.session.scalar(select(Message.created_at).order_by(Message.created_at.desc()).limit(1))
    assert NOW - timedelta(days=1) < newest <= NOW
    assert newest - _corpus_newest() == timedelta(days=summary["shifted_days"])  # time of day kept
    # Whatever the date: whole days, the newest message within the day before, never after.
    for later in (datetime(2027, 3, 17, 7, 24, tzinfo=timezone.utc), datetime(2031, 1, 1, 0, 0, tzinfo=timezone.utc)):
        moved = _corpus_newest() + demo_shift(load_demo_messages(), later)
        assert later - timedelta(days=1) < moved <= later and moved.time() == _corpus_newest().time()
    early = _corpus_newest() - timedelta(days=3, hours=5)
    assert demo_shift(load_demo_messages(), early) == timedelta(days=-4)
    assert _corpus_newest() + demo_shift(load_demo_messages(), early) <= early


def test_the_demo_history_answers_and_resolves_like_a_team(app, factory, use_classifier):
    seed(now=NOW)
    assert classify.classify_pending() == len(load_demo_messages())
    summary = seed_history(now=NOW)
    assert summary["replies"] > 50 and summary["resolved"] > 50 and summary["waiting"] > 0
    assert summary["pending"] == Conversation.query.filter_by(status="pending").count() > 0

    replies = db.session.scalars(select(Message).where(Message.direction == "out")).all()
    newest = db.session.scalar(select(Message.created_at).order_by(Message.created_at.desc()).limit(1))
    assert len(replies) == summary["replies"] == db.session.query(ReplyEvent).count()
    agents = {u.id for u in User.query.filter_by(role="agent")}
    for reply in replies:
        assert reply.user_id in agents and reply.delivery_status == "sent"
        assert reply.created_at <= newest - timedelta(minutes=30)  # the team stopped before it
        assert "{" not in reply.body and "Villeneuve" in reply.body  # placeholders filled
        inbound = [m.created_at for m in reply.conversation.messages if m.direction == "in"]
        assert min(inbound) < reply.created_at  # never before the citizen wrote
        first = min((m for m in reply.conversation.messages if m.direction == "in"), key=lambda m: m.created_at)
        assert reply.language == ("en" if first.language == "en" else "fr")  # answered in its language
        assert reply.body.startswith("Hello" if reply.language == "en" else "Bonjour")

    for conversation in Conversation.query.all():
        inbound = sorted(m.created_at for m in conversation.messages if m.direction == "in")
        outbound = sorted(m.created_at for m in conversation.messages if m.direction == "out")
        if newest - inbound[-1] < HISTORY_FRESH:  # the current work is left to the user
            assert not outbound and conversation.status == "open" and conversation.assignee_id is None
        if outbound:
            assert conversation.assignee_id in agents
            later = [t for t in inbound if t > outbound[-1]]
            # Still waiting exactly when the citizen wrote after the last reply.
            assert conversation.waiting_since == (later[0] if later else None)
            assert conversation.message_count == len(inbound) + len(outbound)
            assert conversation.last_message_at == max(inbound[-1], outbound[-1])
        cycle = db.session.scalars(select(ConversationCycle).where(
            ConversationCycle.conversation_id == conversation.id)).one()
        if outbound:
            assert cycle.first_response_at == outbound[0]
            assert cycle.first_response_seconds == (outbound[0] - inbound[0]).total_seconds()
            assert cycle.urgency == conversation.urgency  # the SLA was judged on the classified urgency
        else:
            assert cycle.first_response_at is None
        if conversation.status == "pending":  # answered, awaiting the citizen
            assert outbound and conversation.waiting_since is None
        if conversation.status == "open" and outbound:
            assert conversation.waiting_since is not None  # "to handle" holds what waits for an answer
        if conversation.status == "resolved":
            assert cycle.resolved_at == conversation.resolved_at <= newest
            assert cycle.resolved_at > inbound[-1] and cycle.resolution_seconds > 0
            assert not outbound or cycle.resolved_at > outbound[-1]
        else:
            assert cycle.resolved_at is None
    # Emergencies of the last hours wait at the top of the queue; thanks are closed without a reply.
    assert db.session.query(Conversation).filter(Conversation.status == "open", Conversation.urgency == "critical",
                                                 Conversation.first_response_at.is_(None)).count() > 0
    assert db.session.query(Conversation).filter(Conversation.status == "resolved", Conversation.urgency == "low",
                                                 Conversation.first_response_at.is_(None)).count() > 0

    again = seed_history(now=NOW)
    assert "skipped" in again
    assert Message.query.filter_by(direction="out").count() == len(replies)


def test_the_supervisor_dashboard_has_figures_to_show(app, factory, use_classifier):
    seed()  # now: the dashboard judges waiting conversations against the real clock
    classify.classify_pending()
    seed_history()
    supervisor = User.query.filter_by(role="supervisor").one()
    response = app.test_client().get("/api/v1/stats",
                                     headers={"Authorization": f"Bearer {factory.token(supervisor)}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    stats = response.get_json()
    replies = Message.query.filter_by(direction="out").count()
    answered = ConversationCycle.query.filter(ConversationCycle.first_response_at.is_not(None)).count()
    resolved = Conversation.query.filter_by(status="resolved").count()
    assert stats["first_response"]["wall"]["count"] == answered > 0
    assert stats["first_response"]["business"]["median"] > 0
    assert stats["reply_time"]["wall"]["count"] == replies - answered > 0  # later replies too
    assert stats["resolution"]["wall"]["count"] == resolved > 0
    assert sum(agent["replies"] for agent in stats["agents"]) == replies
    assert {agent["name"] for agent in stats["agents"]} == {"Claire Dubois", "Karim Benali"}
    sla = stats["sla"]
    assert sla["critical"]["met"] > sla["critical"]["breached"]  # on call for emergencies
    assert sla["all"]["met"] > 0 and sla["all"]["breached"] > 0  # neither all green nor all red


def test_the_history_is_never_written_into_a_real_database(app, factory, use_classifier):
    seed()
    classify.classify_pending()
    factory.channel(name="Facebook de la mairie", kind="api")  # a real channel beside the demo's
    assert "skipped" in seed_history()
    assert Message.query.filter_by(direction="out").count() == 0
    assert Conversation.query.filter_by(status="resolved").count() == 0

