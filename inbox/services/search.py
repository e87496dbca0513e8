"""Full-text search over message bodies.

PostgreSQL: the `parvis_fr` text search configuration (French stemming on accent-folded words) and
a GIN expression index on `to_tsvector('parvis_fr', body)`. SQLite: the `message_fts` FTS5 table
(accents folded, prefix matching, no stemming), kept in sync by triggers. Both are created by the
`i4_inbox` migration.
"""
import re

from sqlalchemy import literal_column, select, text

from ..extensions import db
from ..models import Message

_WORD = re.compile(r"\w+", re.UNICODE)
_PG_CONFIG = literal_column("'parvis_fr'::regconfig")


def _fts5_query(query: str) -> str | None:
    words = _WORD.findall(query)
    if not words:
        return None
    # Every word must appear (AND); each is a quoted prefix so "inond" finds "inondation".
    return " ".join(f'"{word}"*' for word in words[:12])


def matching_message_ids(query: str):
    """A selectable of ids of messages matching `query`, or None when the query has no words."""
    query = (query or "").strip()
    if not _WORD.search(query):
        return None
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import func

        vector = func.to_tsvector(_PG_CONFIG, Message.body)
        return select(Message.id).where(vector.op("@@")(func.websearch_to_tsquery(_PG_CONFIG, query)))
    return select(text("rowid")).select_from(text("message_fts")).where(
        text("message_fts MATCH :fts_query").bindparams(fts_query=_fts5_query(query)))
