"""Internal notes: visible to staff only, never sent to the network."""
from ..extensions import db
from ..models import Conversation, Note, User
from . import audit, events
from .conversations import ConversationError


def add_note(conversation: Conversation, user: User, body: str) -> Note:
    body = (body or "").strip()
    if not body:
        raise ConversationError("The note is empty.")
    if "\x00" in body:
        raise ConversationError("The note contains a NUL character.")
    note = Note(conversation_id=conversation.id, user_id=user.id, body=body)
    db.session.add(note)
    audit.record("note.create", conversation, user=user)
    db.session.commit()
    events.publish("conversation.updated", conversation_id=conversation.id, note_id=note.id)
    return note
