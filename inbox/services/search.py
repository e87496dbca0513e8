"""Full-text search over message bodies.

PostgreSQL: the `parvis_fr` text search configuration (French stemming on accent-folded words) and
a GIN expression index on `to_tsvector('parvis_fr', body)` over settled messages (classification
done, failed or not needed), so that storing a post does not run the stemmer (migration
i11_search_settled). The few unsettled messages (pending or processing) are matched directly,
through the partial index that the worker's claim uses: a message is found from the moment it is
stored. SQLite: the `message_fts` FTS5 table (accents folded, prefix matching, no stemming), kept
in sync by triggers. Both are created by the `i4_inbox` migration.
"""
import re

from sqlalchemy import ARRAY, Integer, any_, bindparam, exists, func, literal_column, select, text, union_all

from ..extensions import db
from ..models import Conversation, Message

_WORD = re.compile(r"\w+", re.UNICODE)
_PG_CONFIG = literal_column("'parvis_fr'::regconfig")
# The search index's condition, word for word as in migration i11_search_settled (the planner
# uses a partial index only for a query that carries its condition), and its complement, the
# condition of ix_message_unclassified.
SETTLED = text("(message.classify_status IS NULL OR message.classify_status NOT IN ('pending', 'processing'))")
UNSETTLED = text("message.classify_status IN ('pending', 'processing')")
# Up to this many matching messages, the list reads the matching conversations by id; beyond,
# it walks the queue in order and keeps the conversations with a match (see conversation_condition).
FEW_MATCHES = 20_000


def _fts5_query(query: str) -> str | None:
    words = _WORD.findall(query)
    if not words:
        return None
    # Every word must appear (AND); each is a quoted prefix so "inond" finds "inondation".
    return " ".join(f'"{word}"*' for word in words[:12])


def _searchable(query: str | None) -> str | None:
    """The query stripped, or None when it has no words to search for."""
    query = (query or "").strip()
    return query if _WORD.search(query) else None


def _pg_match(query: str):
    return func.to_tsvector(_PG_CONFIG, Message.body).op("@@")(func.websearch_to_tsquery(_PG_CONFIG, query))


def _pg_matching(column, query: str):
    """`column` of the matching messages: settled ones through the search index, unsettled ones
    in place."""
    match = _pg_match(query)
    return union_all(select(column).where(SETTLED, match), select(column).where(UNSETTLED, match))


def matching_message_ids(query: str):
    """A selectable of ids of messages matching `query`, or None when the query has no words."""
    query = _searchable(query)
    if query is None:
        return None
    if db.engine.dialect.name == "postgresql":
        return _pg_matching(Message.id, query)
    return select(text("rowid")).select_from(text("message_fts")).where(
        text("message_fts MATCH :fts_query").bindparams(fts_query=_fts5_query(query)))


def conversation_condition(query: str):
    """A condition on Conversation: it has a message matching `query`; None when the query has no words.

    PostgreSQL: which plan is fast depends on how many messages match, and the planner's guess
    for a word it has no statistics on is far off (at 1,000,000 messages, a word in no message
    walked every conversation in queue order, probing each: 7.6 s). So the index is read
    first, for up to FEW_MATCHES matching messages: when there are no more, the condition is
    their conversations' ids (one array parameter, a primary-key lookup each); when there are
    more, matches are common enough that walking the queue in order and testing each
    conversation's few messages in place finds a page after a short walk.
    """
    query = _searchable(query)
    if query is None:
        return None
    if db.engine.dialect.name != "postgresql":
        return exists().where(Message.conversation_id == Conversation.id,
                              Message.id.in_(matching_message_ids(query)))
    few = db.session.scalars(_pg_matching(Message.conversation_id, query).limit(FEW_MATCHES + 1)).all()
    if len(few) <= FEW_MATCHES:
        return Conversation.id == any_(bindparam("search_conversation_ids", sorted(set(few)),
                                                 type_=ARRAY(Integer)))
    return exists().where(Message.conversation_id == Conversation.id, _pg_match(query))
