"""Full-text search over message bodies.

PostgreSQL: the `parvis_fr` text search configuration (French stemming on accent-folded words). Each
settled message (classification done, failed or not needed) keeps its vector in the column
`message.search_vector`, kept by a trigger and covered by a GIN index (migration
i12_search_vector): storing a post runs no stemmer, the worker's write of its result runs it once,
and a probe of a conversation's messages reads the stored vectors instead of stemming each body
again. The few unsettled messages (pending or processing) are matched directly, through the
partial index that the worker's claim uses: a message is found from the moment it is stored.
SQLite: the `message_fts` FTS5 table (accents folded, prefix matching, no stemming), kept in sync
by triggers. Both are created by migrations (i4_inbox, i12_search_vector).
"""
import re

from sqlalchemy import (ARRAY, Integer, and_, any_, bindparam, exists, func, literal_column, or_, select, text,
                        union_all)

from ..extensions import db
from ..models import Conversation, Message

_WORD = re.compile(r"\w+", re.UNICODE)
_PG_CONFIG = literal_column("'parvis_fr'::regconfig")
# The unsettled messages: the condition of ix_message_unclassified, word for word. The settled
# ones carry a search vector (NULL for the others), indexed where it is not NULL.
UNSETTLED = text("message.classify_status IN ('pending', 'processing')")
VECTOR = literal_column("message.search_vector")
# Up to this many matching messages, the list reads the matching conversations by id; beyond,
# it walks the queue in order and keeps the conversations with a match (see conversation_condition).
# Reading ids costs a heap visit per match; the walk costs a probe per conversation passed, and
# fewer the more common the word. Chosen at 1,000,000 messages (docs/performance.md): the slowest
# list for a word around the threshold was 247 ms at 20,000, 162 at 8,000, 147 at 12,000.
FEW_MATCHES = 12_000


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


def _pg_query(query: str):
    return func.websearch_to_tsquery(_PG_CONFIG, query)


def _pg_stored_match(query: str):
    """A settled message matches: its stored vector (the GIN index ix_message_search)."""
    return VECTOR.op("@@")(_pg_query(query))


def _pg_in_place_match(query: str):
    """An unsettled message matches: its body stemmed now (it has no vector yet)."""
    return and_(UNSETTLED, func.to_tsvector(_PG_CONFIG, Message.body).op("@@")(_pg_query(query)))


def _pg_matching(column, query: str):
    """`column` of the matching messages: settled ones through the search index, unsettled ones
    in place."""
    return union_all(select(column).where(VECTOR.isnot(None), _pg_stored_match(query)),
                     select(column).where(_pg_in_place_match(query)))


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
    return exists().where(Message.conversation_id == Conversation.id,
                          or_(_pg_stored_match(query), _pg_in_place_match(query)))
