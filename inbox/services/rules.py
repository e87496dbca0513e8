"""Automation rules, applied once to each message after it is classified.

A rule is conditions (all must hold) -> actions. The classify worker calls `apply_rules` with the
messages it has just classified. Rules never trigger themselves: they run only from that write
path (never from their own actions or from live events), and each (rule, message) pair is recorded
in RuleApplication so a rule acts at most once on a message, even if classification runs again.
"""
import unicodedata

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (FLAGS, MODERATION_REASONS, SENTIMENTS, URGENCIES, URGENCY_RANK, Author, Channel, Conversation, Label,
                      Message, Rule, RuleApplication, User)
from . import audit, events, moderation

CONDITION_KEYS = ("text_contains", "urgency", "sentiment", "flag", "channel_id", "author_contains")
ACTION_KEYS = ("label_id", "assign_to", "priority", "hide")


def _fold(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", (value or "").lower()) if not unicodedata.combining(c))


def validate(name: str, conditions: dict, actions: dict) -> dict:
    """Errors by field, empty when the rule is valid."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = _l("is required")
    conditions = {k: v for k, v in conditions.items() if v not in (None, "")}
    actions = {k: v for k, v in actions.items() if v not in (None, "")}
    if set(conditions) - set(CONDITION_KEYS):
        errors["conditions"] = _l("unknown condition: %(keys)s", keys=", ".join(sorted(set(conditions) - set(CONDITION_KEYS))))
    if not conditions:
        errors["conditions"] = _l("at least one condition is required")
    if not actions:
        errors["actions"] = _l("at least one action is required")
    if conditions.get("urgency") not in (None, *URGENCIES):
        errors["urgency"] = _l("unknown urgency")
    if conditions.get("sentiment") not in (None, *SENTIMENTS):
        errors["sentiment"] = _l("unknown sentiment")
    if conditions.get("flag") not in (None, *FLAGS):
        errors["flag"] = _l("unknown flag")
    if "channel_id" in conditions and db.session.get(Channel, int(conditions["channel_id"])) is None:
        errors["channel_id"] = _l("unknown channel")
    if "label_id" in actions and db.session.get(Label, int(actions["label_id"])) is None:
        errors["label_id"] = _l("unknown label")
    if "assign_to" in actions and db.session.get(User, int(actions["assign_to"])) is None:
        errors["assign_to"] = _l("unknown user")
    if actions.get("priority") not in (None, *URGENCIES):
        errors["priority"] = _l("unknown priority")
    if actions.get("hide") not in (None, *MODERATION_REASONS):
        errors["hide"] = _l("unknown moderation reason")
    return errors


def create_rule(name: str, conditions: dict, actions: dict, user: User) -> Rule:
    conditions = {k: v for k, v in conditions.items() if v not in (None, "")}
    actions = {k: v for k, v in actions.items() if v not in (None, "")}
    for key in ("channel_id",):
        if key in conditions:
            conditions[key] = int(conditions[key])
    for key in ("label_id", "assign_to"):
        if key in actions:
            actions[key] = int(actions[key])
    rule = Rule(name=name.strip(), conditions=conditions, actions=actions, enabled=True)
    db.session.add(rule)
    db.session.flush()
    audit.record("rule.create", rule, user=user, name=rule.name, conditions=conditions, actions=actions)
    db.session.commit()
    return rule


def set_enabled(rule: Rule, enabled: bool, user: User) -> None:
    rule.enabled = enabled
    audit.record("rule.enable" if enabled else "rule.disable", rule, user=user, name=rule.name)
    db.session.commit()


def delete_rule(rule: Rule, user: User) -> None:
    """Delete a rule; the audit event keeps what it did."""
    audit.record("rule.delete", rule, user=user, name=rule.name, conditions=rule.conditions, actions=rule.actions)
    db.session.delete(rule)
    db.session.commit()


def matches(rule: Rule, message: Message) -> bool:
    c = rule.conditions or {}
    if c.get("text_contains") and _fold(c["text_contains"]) not in _fold(message.body):
        return False
    if c.get("urgency") and message.urgency != c["urgency"]:
        return False
    if c.get("sentiment") and message.sentiment != c["sentiment"]:
        return False
    if c.get("flag") and not getattr(message, f"flag_{c['flag']}", False):
        return False
    if c.get("channel_id") and message.channel_id != int(c["channel_id"]):
        return False
    if c.get("author_contains"):
        author = message.author
        names = " ".join(filter(None, [author.name, author.handle, author.external_id])) if author else ""
        if _fold(c["author_contains"]) not in _fold(names):
            return False
    return True


def _run_actions(rule: Rule, message: Message) -> None:
    a = rule.actions or {}
    conversation: Conversation = message.conversation
    if a.get("label_id"):
        label = db.session.get(Label, int(a["label_id"]))
        if label is not None and label not in conversation.labels:
            conversation.labels.append(label)
    if a.get("assign_to") and conversation.assignee_id is None:
        assignee = db.session.get(User, int(a["assign_to"]))
        if assignee is not None and assignee.active:
            conversation.assignee = assignee
    if a.get("priority") in URGENCY_RANK:
        conversation.urgency = a["priority"]
        conversation.urgency_rank = URGENCY_RANK[a["priority"]]
    audit.record("rule.applied", message, rule=rule.id)
    db.session.commit()
    if a.get("hide") and message.visibility == "visible":
        moderation.moderate(message, "hide", a["hide"], None, f"rule: {rule.name}")


def apply_rules(message_ids) -> int:
    """Apply enabled rules to classified inbound messages, each rule at most once per message.

    Messages from blocked authors are hidden too. Returns how many (rule, message) pairs acted.
    """
    ids = list(set(message_ids))
    if not ids:
        return 0
    rules = db.session.scalars(select(Rule).where(Rule.enabled.is_(True)).order_by(Rule.id)).all()
    query = select(Message).where(
        Message.id.in_(ids), Message.direction == "in", Message.classify_status == "done",
        Message.visibility != "deleted").order_by(Message.id).options(selectinload(Message.author))
    if not rules:  # only the blocked authors' messages have something to do
        query = query.join(Author, Author.id == Message.author_id).where(Author.blocked.is_(True))
    messages = db.session.scalars(query).all()
    done = set()
    if rules:
        done = set(db.session.execute(select(RuleApplication.rule_id, RuleApplication.message_id).where(
            RuleApplication.message_id.in_(ids))).all())
    acted = 0
    touched = set()
    for message in messages:
        if message.author is not None and message.author.blocked and message.visibility == "visible":
            moderation.moderate(message, "hide", "other", None, "blocked author")
            touched.add(message.conversation_id)
        for rule in rules:
            if (rule.id, message.id) in done or not matches(rule, message):
                continue
            db.session.add(RuleApplication(rule_id=rule.id, message_id=message.id))
            _run_actions(rule, message)
            acted += 1
            touched.add(message.conversation_id)
    for conversation_id in touched:
        events.publish("conversation.updated", conversation_id=conversation_id)
    return acted
