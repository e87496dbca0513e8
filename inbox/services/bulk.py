"""Bulk actions on a selection of conversations."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import MODERATION_REASONS, Conversation, Label, User
from . import conversations, labels, moderation
from .conversations import ConversationError

BULK_ACTIONS = ("resolve", "assign", "label", "hide", "spam", "snooze")


def apply(conversation_ids, action: str, user: User, *, assignee: User | None = None, label: Label | None = None,
          reason: str = "other", snooze_until=None) -> int:
    """Apply one action to every selected conversation; returns how many were selected."""
    if action not in BULK_ACTIONS:
        raise ConversationError(_l("Unknown bulk action: %(action)s", action=action))
    ids = {int(i) for i in conversation_ids}
    if not ids:
        raise ConversationError(_l("Select at least one conversation."))
    if action == "label" and label is None:
        raise ConversationError(_l("Choose a label."))
    if reason not in MODERATION_REASONS:
        raise ConversationError(_l("Unknown moderation reason: %(reason)s", reason=reason))
    rows = db.session.scalars(select(Conversation).where(Conversation.id.in_(ids)).order_by(Conversation.id)).all()
    if len(rows) != len(ids):
        raise ConversationError(_l("Some selected conversations do not exist."))
    if action == "label":
        labels.add_label(rows, label, user)
        return len(rows)
    for conversation in rows:
        if action == "resolve":
            conversations.set_status(conversation, "resolved", user)
        elif action == "snooze":
            conversations.set_status(conversation, "snoozed", user, snoozed_until=snooze_until)
        elif action == "assign":
            conversations.assign(conversation, assignee, user)
        else:
            moderation.hide_conversation(conversation, "hide" if action == "hide" else "spam",
                                         "spam" if action == "spam" else reason, user)
    return len(rows)
