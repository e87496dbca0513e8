"""Automation rules: the admin page, matching, actions, at most once per message, the classify hook."""
from inbox.extensions import db
from inbox.models import AuditEvent, Conversation, Label, Message, ModerationAction, Rule, RuleApplication
from inbox.services import rules
from tests.helpers import login, post_signed
from workers import classify


def _conversation(client, factory, channel, text="Bonjour", **extra):
    body = post_signed(client, channel, factory.payload(text=text, **extra)).get_json()
    return db.session.get(Conversation, body["conversation_id"])


def _classified(conversation, **values):
    message = conversation.messages.first()
    message.classify_status = "done"
    for key, value in values.items():
        setattr(message, key, value)
    db.session.commit()
    return message


def test_rules_page_is_for_supervisors_and_validates(client, factory):
    agent = factory.user()
    supervisor = factory.user(role="supervisor")
    label = Label(name="voirie", color="#b45309")
    db.session.add(label)
    db.session.commit()
    login(client, agent)
    assert client.get("/admin/rules").status_code == 403
    client.post("/logout")
    login(client, supervisor)
    assert "Règles automatiques" in client.get("/admin/rules").get_data(as_text=True)
    bad = client.post("/admin/rules", data={"name": "vide"})
    assert bad.status_code == 400 and "au moins une condition" in bad.get_data(as_text=True)
    assert client.post("/admin/rules", data={"name": "x", "urgency": "apocalyptic", "hide": "spam"}).status_code == 400
    ok = client.post("/admin/rules", data={"name": "Nids de poule", "text_contains": "nid de poule",
                                           "label_id": str(label.id), "priority": "high"})
    assert ok.status_code == 303
    rule = Rule.query.one()
    assert rule.conditions == {"text_contains": "nid de poule"}
    assert rule.actions == {"label_id": label.id, "priority": "high"}
    client.post(f"/admin/rules/{rule.id}/toggle")
    assert db.session.get(Rule, rule.id).enabled is False
    client.post(f"/admin/rules/{rule.id}/toggle")
    assert db.session.get(Rule, rule.id).enabled is True
    client.post(f"/admin/rules/{rule.id}/delete")
    assert Rule.query.count() == 0
    # Every rule change is in the audit trail: who, what, when, from where, and what the rule did.
    events = AuditEvent.query.filter(AuditEvent.action.like("rule.%")).order_by(AuditEvent.id).all()
    assert [e.action for e in events] == ["rule.create", "rule.disable", "rule.enable", "rule.delete"]
    assert {e.user_id for e in events} == {supervisor.id} and {e.target_id for e in events} == {rule.id}
    assert all(e.ip and e.created_at for e in events)
    assert events[-1].detail["conditions"] == {"text_contains": "nid de poule"}
    assert events[-1].detail["actions"]["priority"] == "high"


def test_rules_act_once_per_message_and_never_loop(client, factory):
    channel = factory.channel()
    agent = factory.user(name="Karim")
    label = Label(name="voirie", color="#b45309")
    db.session.add(label)
    db.session.commit()
    pothole = _conversation(client, factory, channel, "Un énorme NID DE POULE rue Victor Hugo")
    insult = _conversation(client, factory, channel, "bande de nuls")
    other = _conversation(client, factory, channel, "Merci pour tout")
    m1 = _classified(pothole, urgency="normal")
    m2 = _classified(insult, flag_toxic=True)
    m3 = _classified(other, sentiment="positive")
    rules.create_rule("voirie", {"text_contains": "nid de poule"},
                      {"label_id": label.id, "assign_to": agent.id, "priority": "high"}, agent)
    # Hides toxic messages; its own hiding must not make it (or any rule) run again.
    rules.create_rule("toxique", {"flag": "toxic"}, {"hide": "offensive"}, agent)
    assert rules.apply_rules([m1.id, m2.id, m3.id]) == 2
    db.session.expire_all()
    assert label in pothole.labels and pothole.assignee_id == agent.id
    assert pothole.urgency == "high" and pothole.urgency_rank == 1
    assert m2.visibility == "hidden"
    hide = ModerationAction.query.one()
    assert hide.reason == "offensive" and hide.user_id is None and "toxique" in hide.comment
    assert other.labels == [] and m3.visibility == "visible"
    # Run again (a reclassification, a retry): nothing happens twice.
    m2.visibility = "visible"
    db.session.commit()
    assert rules.apply_rules([m1.id, m2.id, m3.id]) == 0
    assert ModerationAction.query.count() == 1 and RuleApplication.query.count() == 2
    db.session.expire_all()
    assert m2.visibility == "visible"


def test_messages_of_blocked_authors_are_hidden_after_classification(client, factory):
    channel = factory.channel()
    first = _conversation(client, factory, channel, "premier message")
    message = _classified(first)
    message.author.blocked = True
    db.session.commit()
    rules.apply_rules([message.id])
    db.session.expire_all()
    assert message.visibility == "hidden"
    assert ModerationAction.query.one().comment == "blocked author"


class KeywordClassifier:
    """A small stand-in with the real classifier's interface: this test is about the hook, not the model."""

    version = "keywords-test"

    def classify(self, texts):
        from types import SimpleNamespace

        return [SimpleNamespace(
            sentiment="negative", sentiment_score=0.9, urgency="critical" if "gaz" in text else "normal",
            urgency_score=0.9, flags=[], flag_scores={}, explanation=["gaz"], language="fr",
            model_version=self.version) for text in texts]


def test_the_classify_job_applies_rules(app, client, factory):
    channel = factory.channel()
    agent = factory.user()
    label = Label(name="gaz", color="#b91c1c")
    db.session.add(label)
    db.session.commit()
    rules.create_rule("gaz", {"urgency": "critical", "text_contains": "gaz"}, {"label_id": label.id}, agent)
    conversation = _conversation(client, factory, channel, "fuite de gaz devant l'école, ça sent très fort")
    classify.set_classifier(KeywordClassifier())
    try:
        assert classify.classify_pending() == 1
    finally:
        classify.set_classifier(None)
    db.session.expire_all()
    assert label in conversation.labels
    assert RuleApplication.query.count() == 1
    assert Message.query.one().classify_status == "done"
