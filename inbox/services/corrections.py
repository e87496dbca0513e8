"""Staff corrections of the classifier's labels, kept for the next training run."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import FLAGS, SENTIMENTS, URGENCIES, ClassificationCorrection, Message, User
from . import audit, events
from .conversations import ConversationError, refresh_classification


def correct_classification(message: Message, user: User, *, sentiment: str | None = None,
                           urgency: str | None = None, flags: list[str] | None = None) -> list[ClassificationCorrection]:
    """Change a message's labels; each changed field is stored as a correction. Returns them."""
    if message.direction != "in":
        raise ConversationError(_l("Only citizens' messages are classified."))
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise ConversationError(_l("Unknown sentiment: %(value)s", value=sentiment))
    if urgency is not None and urgency not in URGENCIES:
        raise ConversationError(_l("Unknown urgency: %(value)s", value=urgency))
    if flags is not None:
        unknown = set(flags) - set(FLAGS)
        if unknown:
            raise ConversationError(_l("Unknown flag: %(value)s", value=", ".join(sorted(unknown))))
        flags = sorted(set(flags))
    corrections = []
    for name, new in (("sentiment", sentiment), ("urgency", urgency)):
        old = getattr(message, name)
        if new is not None and new != old:
            setattr(message, name, new)
            corrections.append(ClassificationCorrection(message_id=message.id, user_id=user.id, field=name,
                                                        old=old, new=new))
    if flags is not None and flags != sorted(message.flags):
        old = sorted(message.flags)
        for flag in FLAGS:
            setattr(message, f"flag_{flag}", flag in flags)
        corrections.append(ClassificationCorrection(message_id=message.id, user_id=user.id, field="flags",
                                                    old=old, new=flags))
    if not corrections:
        return []
    if message.classify_status != "done":
        message.classify_status = "done"  # a person's labels count as a finished classification
    db.session.add_all(corrections)
    audit.record("classification.correct", message, user=user, fields=[c.field for c in corrections])
    db.session.flush()
    refresh_classification([message.conversation_id])
    db.session.commit()
    events.publish("conversation.updated", conversation_id=message.conversation_id, message_id=message.id)
    return corrections


def corrections_for_training() -> list[dict]:
    """One example per corrected message with the latest corrected value of each field.

    [{"text": ..., "sentiment"?: ..., "urgency"?: ..., "flags"?: [...]}], oldest message first.
    """
    rows = db.session.execute(
        select(ClassificationCorrection.message_id, ClassificationCorrection.field, ClassificationCorrection.new,
               Message.body)
        .join(Message, Message.id == ClassificationCorrection.message_id)
        .order_by(ClassificationCorrection.message_id, ClassificationCorrection.created_at, ClassificationCorrection.id)
    ).all()
    examples: dict[int, dict] = {}
    for message_id, field, new, body in rows:
        example = examples.setdefault(message_id, {"text": body})
        example[field] = new
    return list(examples.values())
