"""search vector stored: each settled message keeps its own tsvector, so a search probe reads it

Revision ID: i12_search_vector
Revises: i11_search_settled

PostgreSQL only. Search tests a conversation's messages in place when a word is common (the list
walks the queue in order and probes each conversation, inbox/services/search.py). With the GIN
index on the expression to_tsvector('parvis_fr', body), each probe ran the French stemmer over
every message of the conversation again: about 45 µs a message, 0.3 ms a conversation, 182 ms
for one list page at 1,000,000 messages (docs/performance.md). The vector is now a column,
`search_vector`, kept by a trigger: NULL while the message's classification is pending or
processing (storing a post still runs no stemmer), computed once when it settles (the worker's
write of its result) and again only when the body changes (an edit, an erasure). The GIN index
covers that column.

On a live database: the column is added without a rewrite, settled rows are filled in batches
of BATCH ids (each its own transaction: ingestion is never blocked for long), then the index is
built CONCURRENTLY and the expression index dropped CONCURRENTLY.
"""
from alembic import op

revision = "i12_search_vector"
down_revision = "i11_search_settled"
branch_labels = None
depends_on = None

BATCH = 50_000
SETTLED = "classify_status IS NULL OR classify_status NOT IN ('pending', 'processing')"
VECTOR = "to_tsvector('parvis_fr'::regconfig, body)"

FUNCTION = f"""
CREATE OR REPLACE FUNCTION message_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.classify_status IN ('pending', 'processing') THEN
        NEW.search_vector := NULL;
    ELSIF TG_OP = 'INSERT' OR NEW.search_vector IS NULL OR NEW.body IS DISTINCT FROM OLD.body THEN
        NEW.search_vector := to_tsvector('parvis_fr'::regconfig, NEW.body);
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":  # SQLite's FTS5 table is kept by triggers (i4_inbox)
        return
    op.execute("ALTER TABLE message ADD COLUMN IF NOT EXISTS search_vector tsvector")
    op.execute(FUNCTION)
    op.execute("DROP TRIGGER IF EXISTS message_search_vector ON message")
    op.execute("CREATE TRIGGER message_search_vector BEFORE INSERT OR UPDATE OF body, classify_status"
               " ON message FOR EACH ROW EXECUTE FUNCTION message_search_vector()")
    with op.get_context().autocommit_block():
        bind = op.get_bind()
        top = bind.exec_driver_sql("SELECT coalesce(max(id), 0) FROM message").scalar()
        for start in range(0, top + 1, BATCH):
            bind.exec_driver_sql(
                f"UPDATE message SET search_vector = {VECTOR} WHERE id >= %(start)s AND id < %(end)s"
                f" AND ({SETTLED}) AND search_vector IS NULL AND body IS NOT NULL",
                {"start": start, "end": start + BATCH})
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_message_search_next")  # an interrupted earlier run
        op.execute("CREATE INDEX CONCURRENTLY ix_message_search_next ON message USING gin (search_vector)"
                   " WHERE search_vector IS NOT NULL")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_message_search")
        op.execute("ALTER INDEX ix_message_search_next RENAME TO ix_message_search")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_message_search_next")
        op.execute(f"CREATE INDEX CONCURRENTLY ix_message_search_next ON message USING gin ({VECTOR})"
                   f" WHERE {SETTLED}")
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_message_search")
        op.execute("ALTER INDEX ix_message_search_next RENAME TO ix_message_search")
    op.execute("DROP TRIGGER IF EXISTS message_search_vector ON message")
    op.execute("DROP FUNCTION IF EXISTS message_search_vector()")
    op.execute("ALTER TABLE message DROP COLUMN IF EXISTS search_vector")
