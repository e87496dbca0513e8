"""Labels: created by the team, coloured, applied to conversations, used as a filter."""
from flask_babel import lazy_gettext as _l
import re

from sqlalchemy import select

from ..extensions import db
from ..models import Conversation, Label, User
from . import audit, events
from .conversations import ConversationError

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def all_labels() -> list[Label]:
    return db.session.scalars(select(Label).order_by(Label.name)).all()


def create_label(name: str, color: str, user: User) -> Label:
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ConversationError(_l("A label needs a name of 1 to 60 characters."))
    if not _COLOUR.match(color or ""):
        raise ConversationError(_l("The colour must look like #1d4ed8."))
    if db.session.scalar(select(Label).where(Label.name == name)) is not None:
        raise ConversationError(_l("A label named %(name)s already exists.", name=name))
    label = Label(name=name, color=color.lower())
    db.session.add(label)
    db.session.flush()
    audit.record("label.create", label, user=user)
    db.session.commit()
    return label


def set_labels(conversation: Conversation, label_ids, user: User) -> None:
    """Replace the conversation's labels with exactly these."""
    ids = {int(i) for i in label_ids}
    labels = db.session.scalars(select(Label).where(Label.id.in_(ids))).all() if ids else []
    if len(labels) != len(ids):
        raise ConversationError(_l("Unknown label."))
    conversation.labels = list(labels)
    audit.record("conversation.labels", conversation, user=user, labels=sorted(ids))
    db.session.commit()
    events.publish("conversation.updated", conversation_id=conversation.id)


def add_label(conversations, label: Label, user: User) -> int:
    count = 0
    for conversation in conversations:
        if label not in conversation.labels:
            conversation.labels.append(label)
            audit.record("conversation.label", conversation, user=user, label=label.id)
            count += 1
    db.session.commit()
    return count
