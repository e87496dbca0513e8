"""Internal notes: visible to staff only, never sent to the network; @mentions notify colleagues."""
from flask_babel import lazy_gettext as _l
from ..extensions import db
from ..models import Conversation, Note, User
from . import audit, events, notifications
from .conversations import ConversationError

MAX_NOTE_LENGTH = 5000


def add_note(conversation: Conversation, user: User, body: str) -> Note:
    body = (body or "").strip()
    if not body:
        raise ConversationError(_l("The note is empty."))
    if "\x00" in body:
        raise ConversationError(_l("The note contains a NUL character."))
    if len(body) > MAX_NOTE_LENGTH:
        raise ConversationError(_l("The note is longer than %(limit)d characters.", limit=MAX_NOTE_LENGTH))
    note = Note(conversation_id=conversation.id, user_id=user.id, body=body)
    db.session.add(note)
    db.session.flush()
    created = notifications.notify_mentions(note, user)
    audit.record("note.create", conversation, user=user, mentions=[n.user_id for n in created])
    db.session.commit()
    events.publish("conversation.updated", conversation_id=conversation.id, note_id=note.id)
    notifications.publish_created(created)
    return note
