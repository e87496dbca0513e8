"""search index over settled messages only: a post is stored without computing its search vector

Revision ID: i11_search_settled
Revises: i10_view_counts

PostgreSQL only. The GIN expression index on to_tsvector('parvis_fr', body) made every insert
run the French stemmer over the body inside the ingestion request, and every later row version
(the worker's claim, then its result) run it again: measured at 1,000,000 messages, a third of
PostgreSQL's CPU per signed post (docs/performance.md). The index now covers the messages whose
classification is settled (done, failed, or none needed: outbound replies), so the stemmer runs
once per message, in the worker's write of its result. Search reads the index for those and the
unsettled slice (pending or processing, found through ix_message_unclassified) directly, so a
message is found from the moment it is stored (inbox/services/search.py).
"""
from alembic import op

revision = "i11_search_settled"
down_revision = "i10_view_counts"
branch_labels = None
depends_on = None

# Kept word for word in inbox/services/search.py (SETTLED): the planner uses the partial index
# only for a query carrying the same condition.
SETTLED = "classify_status IS NULL OR classify_status NOT IN ('pending', 'processing')"
VECTOR = "to_tsvector('parvis_fr'::regconfig, body)"


def _replace_index(condition: str) -> None:
    """Build the new index beside the old one, then swap them, all CONCURRENTLY: on a live
    database, ingestion is not blocked while the index is built (tens of seconds at a million
    messages), and search keeps an index throughout."""
    where = f" WHERE {condition}" if condition else ""
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_message_search_next")  # an interrupted earlier run
        op.execute(f"CREATE INDEX CONCURRENTLY ix_message_search_next ON message USING gin ({VECTOR}){where}")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_message_search")
        op.execute("ALTER INDEX ix_message_search_next RENAME TO ix_message_search")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":  # SQLite's FTS5 table is kept by triggers (i4_inbox)
        _replace_index(SETTLED)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _replace_index("")
