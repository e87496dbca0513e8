"""performance: indexes chosen from EXPLAIN ANALYZE at 1,000,000 messages (see docs/performance.md)

Revision ID: i8_performance
Revises: i5_stats
"""
from alembic import op
import sqlalchemy as sa

revision = "i8_performance"
down_revision = "i7_security"
branch_labels = None
depends_on = None

UNCLASSIFIED = "classify_status IN ('pending', 'processing')"
UNDELIVERED = "direction = 'out' AND delivery_status IN ('queued', 'sending')"


def upgrade():
    with op.batch_alter_table("message", schema=None) as batch_op:
        # Replaced by a partial index: the full one grew with every classified message.
        batch_op.drop_index("ix_message_classify")
        batch_op.create_index("ix_message_unclassified", ["received_at", "id"], unique=False,
                              postgresql_where=sa.text(UNCLASSIFIED), sqlite_where=sa.text(UNCLASSIFIED))
        batch_op.create_index("ix_message_undelivered", ["created_at"], unique=False,
                              postgresql_where=sa.text(UNDELIVERED), sqlite_where=sa.text(UNDELIVERED))
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_rank", ["urgency_rank", "waiting_since", "id"], unique=False)
        batch_op.create_index("ix_conversation_first_response_at", ["first_response_at"], unique=False)


def downgrade():
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_first_response_at")
        batch_op.drop_index("ix_conversation_rank")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_undelivered")
        batch_op.drop_index("ix_message_unclassified")
        batch_op.create_index("ix_message_classify", ["classify_status", "received_at"], unique=False)
