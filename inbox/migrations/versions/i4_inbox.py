"""inbox: mention notifications (actor, note), classification corrections, rule applications, moderation undo, full-text search

Revision ID: i4_inbox
Revises: i7_security
"""
from alembic import op
import sqlalchemy as sa

revision = "i4_inbox"
down_revision = "i8_performance"
branch_labels = None
depends_on = None

# PostgreSQL: French stemming on accent-folded words (unaccent runs before the French stemmer).
PG_SEARCH = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION parvis_fr (COPY = pg_catalog.french)",
    "ALTER TEXT SEARCH CONFIGURATION parvis_fr ALTER MAPPING FOR hword, hword_part, word "
    "WITH unaccent, french_stem",
    "CREATE INDEX ix_message_search ON message USING gin (to_tsvector('parvis_fr'::regconfig, body))",
]
# SQLite: an FTS5 index over message bodies (accents folded), kept in sync by triggers.
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(body, content='message', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO message_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
]


def upgrade():
    # The notification table is issue #5's (i5_stats); mentions add who wrote and which note.
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_notification_actor_id_user"), "user", ["actor_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_foreign_key(batch_op.f("fk_notification_note_id_note"), "note", ["note_id"], ["id"],
                                    ondelete="CASCADE")
    op.create_table(
        "classification_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"],
                                name=op.f("fk_classification_correction_message_id_message"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_classification_correction_user_id_user"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classification_correction")),
    )
    op.create_index(op.f("ix_classification_correction_message_id"), "classification_correction", ["message_id"])
    op.create_table(
        "rule_application",
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["rule_id"], ["rule.id"], name=op.f("fk_rule_application_rule_id_rule"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"], name=op.f("fk_rule_application_message_id_message"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rule_id", "message_id", name=op.f("pk_rule_application")),
    )
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
    for statement in PG_SEARCH if op.get_bind().dialect.name == "postgresql" else SQLITE_SEARCH:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_message_search")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS parvis_fr")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS message_fts_{name}")
        op.execute("DROP TABLE IF EXISTS message_fts")
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.drop_column("undone_at")
        batch_op.drop_column("previous")
    op.drop_table("rule_application")
    op.drop_index(op.f("ix_classification_correction_message_id"), table_name="classification_correction")
    op.drop_table("classification_correction")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_notification_note_id_note"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_notification_actor_id_user"), type_="foreignkey")
        batch_op.drop_column("note_id")
        batch_op.drop_column("actor_id")
