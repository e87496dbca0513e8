"""channels: polling schedule, network errors, moderation delivery, edited messages

Revision ID: i6_channels
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "i6_channels"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("channel") as batch:
        batch.add_column(sa.Column("poll_interval_seconds", sa.Integer(), nullable=False, server_default="120"))
        batch.add_column(sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("moderation_action") as batch:
        batch.add_column(sa.Column("delivery_status", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("delivery_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("delivery_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("message") as batch:
        batch.drop_column("edited_at")
    with op.batch_alter_table("moderation_action") as batch:
        for column in ("delivered_at", "claimed_at", "delivery_attempts", "delivery_error", "delivery_status"):
            batch.drop_column(column)
    with op.batch_alter_table("channel") as batch:
        for column in ("last_error_at", "last_error", "last_polled_at", "next_poll_at", "poll_interval_seconds"):
            batch.drop_column(column)
