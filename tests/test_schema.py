"""The migrations build exactly the schema the models declare (indexes included), on both backends."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from inbox.extensions import db

# Created by migrations only, on purpose: full-text search lives outside the ORM models.
MIGRATION_ONLY = {"message_fts", "message_fts_config", "message_fts_data", "message_fts_docsize", "message_fts_idx",
                  "ix_message_search", "search_vector"}


def _name(diff) -> str:
    if diff[0] == "remove_column":  # ("remove_column", schema, table, column)
        return diff[3].name
    obj = diff[1]
    return getattr(obj, "name", str(obj))


def test_migrated_schema_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, db.metadata)
        inspector = db.inspect(db.engine)
        conversation_indexes = {index["name"] for index in inspector.get_indexes("conversation")}
        message_indexes = {index["name"] for index in inspector.get_indexes("message")}
    unexpected = [diff for diff in differences if not (isinstance(diff, tuple) and _name(diff) in MIGRATION_ONLY)]
    assert unexpected == []
    # The partial indexes behind the inbox's view counts exist.
    assert {"ix_conversation_active", "ix_conversation_flagged"} <= conversation_indexes
    assert "ix_message_hidden" in message_indexes
