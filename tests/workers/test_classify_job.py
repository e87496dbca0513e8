"""The classify job: claim in batches, one forward pass, write back once, survive failures."""
from datetime import timedelta

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import Conversation, Message
from inbox.models.base import utcnow
from tests.helpers import post_signed
from workers import classify


def _ingest(client, factory, channel, texts):
    items = [factory.payload(text=t) for t in texts]
    response = post_signed(client, channel, items)
    assert response.status_code == 201
    return [r["id"] for r in response.get_json()["results"]]


def test_pending_messages_are_classified_and_conversation_priority_follows(
        app, client, factory, use_classifier):
    channel = factory.channel()
    ids = _ingest(client, factory, channel, [
        "fuite de gaz devant l'école, ça sent très fort",
        "Merci pour le feu d'artifice, c'était magnifique !",
        "Bonjour, quels sont les horaires de la piscine ?",
    ])
    assert classify.classify_pending() == 3
    messages = {m.id: m for m in Message.query.all()}
    gas = messages[ids[0]]
    assert gas.classify_status == "done" and gas.urgency == "critical"
    assert gas.model_version == use_classifier.version
    assert any("gaz" in cue for cue in gas.explanation)
    assert messages[ids[1]].sentiment == "positive"
    assert all(m.classification_writes == 1 for m in messages.values())
    assert gas.conversation.urgency == "critical" and gas.conversation.urgency_rank == 0
    top = db.session.scalars(select(Conversation).order_by(Conversation.urgency_rank)).first()
    assert top.id == gas.conversation_id


def test_batches_never_overlap_and_nothing_is_classified_twice(app, client, factory, use_classifier):
    channel = factory.channel()
    _ingest(client, factory, channel, [f"Question numéro {i} sur la cantine" for i in range(25)])
    token_a, batch_a = classify.claim_batch(10)
    token_b, batch_b = classify.claim_batch(10)
    assert len(batch_a) == 10 and len(batch_b) == 10
    assert not {m.id for m in batch_a} & {m.id for m in batch_b}
    classify.write_results(token_a, batch_a, use_classifier.classify([m.body for m in batch_a]))
    # A stale writer (its claim was taken back) writes nothing.
    assert classify.write_results(token_a, batch_a, use_classifier.classify([m.body for m in batch_a])) == 0
    classify.release_failed(token_b, batch_b, "test")
    assert classify.classify_pending() == 15
    writes = db.session.scalars(select(Message.classification_writes)).all()
    assert sorted(set(writes)) == [1] and len(writes) == 25


def test_a_crashed_claim_is_reclaimed_after_its_lease(app, client, factory, use_classifier):
    channel = factory.channel()
    _ingest(client, factory, channel, ["Le lampadaire de ma rue est cassé"])
    _, batch = classify.claim_batch(10)
    assert classify.reclaim_stale(lease_seconds=60) == 0
    db.session.execute(db.update(Message).values(claimed_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert classify.reclaim_stale(lease_seconds=60) == 1
    assert classify.classify_pending() == 1


class BrokenClassifier:
    version = "broken"

    def classify(self, texts):
        raise RuntimeError("model exploded")


def test_a_failing_model_leaves_messages_failed_with_the_error_after_retries(app, client, factory):
    channel = factory.channel()
    _ingest(client, factory, channel, ["Bonjour"])
    classify.set_classifier(BrokenClassifier())
    try:
        for attempt in range(classify.MAX_ATTEMPTS):
            try:
                classify.classify_pending()
            except RuntimeError:
                pass
            message = Message.query.one()
            db.session.refresh(message)
            expected = "failed" if attempt == classify.MAX_ATTEMPTS - 1 else "pending"
            assert message.classify_status == expected
        assert "model exploded" in message.classify_error
    finally:
        classify.set_classifier(None)
    assert db.session.scalar(select(func.count()).where(Message.classify_status == "done")) == 0


def test_batched_sla_refresh_matches_the_single_cycle_refresh(app, client, factory, use_classifier):
    """The worker refreshes the deadlines of a whole batch with set-based statements
    (sla.refresh_conversations); the values must be those of the one-cycle ORM refresh."""
    from inbox.models import ConversationCycle
    from inbox.services import sla

    channel = factory.channel()
    _ingest(client, factory, channel, [
        "fuite de gaz devant l'école, ça sent très fort",
        "Le lampadaire de ma rue est cassé depuis une semaine",
        "Merci pour le marché de Noël !",
        "Je vais vous buter un par un",
    ])
    cycles = db.session.scalars(select(ConversationCycle).order_by(ConversationCycle.id)).all()
    assert len(cycles) == 4 and all(c.sla_due_at is not None for c in cycles)
    before = {c.id: c.sla_due_at for c in cycles}
    # A warning already sent on the first cycle: a tighter deadline must clear it.
    cycles[0].sla_warned_at = utcnow()
    db.session.commit()
    assert classify.classify_pending() == 4

    columns = ("urgency", "sla_due_at", "sla_warn_at", "sla_warned_at")
    db.session.expire_all()
    batched = {c.id: tuple(getattr(c, k) for k in columns)
               for c in db.session.scalars(select(ConversationCycle).order_by(ConversationCycle.id))}
    gas = batched[cycles[0].id]
    assert gas[0] == "critical" and gas[1] < before[cycles[0].id] and gas[3] is None
    assert {row[0] for row in batched.values()} >= {"critical", "normal"}

    # Same starting point, refreshed one cycle at a time through the ORM.
    for cycle in db.session.scalars(select(ConversationCycle)):
        cycle.urgency, cycle.sla_due_at, cycle.sla_warn_at = None, before[cycle.id], None
        cycle.sla_warned_at = utcnow() if cycle.id == cycles[0].id else None
    db.session.commit()
    for cycle in db.session.scalars(select(ConversationCycle)):
        sla.refresh_cycle(cycle)
    db.session.commit()
    db.session.expire_all()
    single = {c.id: tuple(getattr(c, k) for k in columns)
              for c in db.session.scalars(select(ConversationCycle).order_by(ConversationCycle.id))}
    assert single == batched
