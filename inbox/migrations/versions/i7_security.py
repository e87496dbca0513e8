"""security and personal data: API token scopes, purged message bodies

Revision ID: i7_security
Revises: i6_channels
Create Date: 2026-11-26 08:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = "i7_security"
down_revision = "i5_stats"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=200), nullable=False,
                                      server_default="read write"))
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("scopes")
