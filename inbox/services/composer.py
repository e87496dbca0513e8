"""What the reply composer needs: saved replies with their placeholders filled, length limits."""
from sqlalchemy import select

from ..extensions import db
from ..models import Conversation, SavedReply

# Longest reply each network accepts (characters); None: no limit beyond ours.
REPLY_LIMITS = {"mastodon": 500, "facebook": 8000, "instagram": 2200, "youtube": 10000,
                "email": None, "api": None, "form": None}
REPLY_LANGUAGES = ("fr", "en")


def reply_limit(conversation: Conversation) -> int | None:
    return REPLY_LIMITS.get(conversation.channel.kind)


def fill_placeholders(body: str, conversation: Conversation, institution: str) -> str:
    author = conversation.author.display_name if conversation.author else ""
    return body.replace("{author_name}", author).replace("{institution}", institution)


def saved_replies_for(conversation: Conversation, institution: str) -> list[dict]:
    """Every saved reply, ready to insert: [{"id", "title", "shortcut", "language", "body"}]."""
    replies = db.session.scalars(select(SavedReply).order_by(SavedReply.language, SavedReply.title)).all()
    return [{"id": r.id, "title": r.title, "shortcut": r.shortcut or "", "language": r.language,
             "body": fill_placeholders(r.body, conversation, institution)} for r in replies]
