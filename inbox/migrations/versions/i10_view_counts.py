"""view counts and list filters: partial indexes over unresolved conversations, hidden and flagged messages, languages

Revision ID: i10_view_counts
Revises: i9_stats_speed
"""
from alembic import op
import sqlalchemy as sa

revision = "i10_view_counts"
down_revision = "i9_stats_speed"
branch_labels = None
depends_on = None

ACTIVE = "status <> 'resolved'"
FLAGGED = "flagged AND status <> 'resolved'"
UNFLAGGED = "NOT flagged AND status <> 'resolved'"
HIDDEN = "visibility = 'hidden'"
INBOUND = "direction = 'in'"
FLAGS = ("toxic", "threat", "spam", "personal_data")


def upgrade():
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_active", ["assignee_id", "status"], unique=False,
                              postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
        batch_op.create_index("ix_conversation_flagged", ["id"], unique=False,
                              postgresql_where=sa.text(FLAGGED), sqlite_where=sa.text(FLAGGED))
        batch_op.create_index("ix_conversation_unflagged", ["id"], unique=False,
                              postgresql_where=sa.text(UNFLAGGED), sqlite_where=sa.text(UNFLAGGED))
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index("ix_message_hidden", ["conversation_id"], unique=False,
                              postgresql_where=sa.text(HIDDEN), sqlite_where=sa.text(HIDDEN))
        for flag in FLAGS:
            batch_op.create_index(f"ix_message_flag_{flag}", ["conversation_id"], unique=False,
                                  postgresql_where=sa.text(f"flag_{flag}"), sqlite_where=sa.text(f"flag_{flag}"))
        batch_op.create_index("ix_message_language", ["language", "conversation_id"], unique=False,
                              postgresql_where=sa.text(INBOUND), sqlite_where=sa.text(INBOUND))


def downgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_language")
        for flag in FLAGS:
            batch_op.drop_index(f"ix_message_flag_{flag}")
        batch_op.drop_index("ix_message_hidden")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_unflagged")
        batch_op.drop_index("ix_conversation_flagged")
        batch_op.drop_index("ix_conversation_active")
