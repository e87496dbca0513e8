"""stats speed: duration indexes for exact percentiles, trigger-kept count rollups (issue #5)

Revision ID: i9_stats_speed
Revises: i8_performance
"""
from alembic import op
import sqlalchemy as sa

revision = "i9_stats_speed"
down_revision = "i4_inbox"
branch_labels = None
depends_on = None

CYCLE_INDEXES = (
    ("ix_cycle_first_response_wall", ["first_response_seconds"], ["first_inbound_at", "channel_id"]),
    ("ix_cycle_first_response_business", ["first_response_business_seconds"], ["first_inbound_at", "channel_id"]),
    ("ix_cycle_responder_wall", ["first_responder_id", "first_response_seconds"], ["first_inbound_at", "channel_id"]),
    ("ix_cycle_resolution_wall", ["resolution_seconds"], ["resolved_at", "channel_id"]),
    ("ix_cycle_resolution_business", ["resolution_business_seconds"], ["resolved_at", "channel_id"]),
)
LATER = "NOT is_first"
UNSETTLED = "first_response_at IS NULL AND resolved_at IS NULL"


# --- Count rollups maintained by PostgreSQL triggers (see inbox/services/count_rollup.py) ---
# Every write path (ORM, bulk SQL, cascades, COPY) goes through the triggers, so the counts never
# drift; `parvis stats-recompute` rebuilds them from the tables (count_rollup.rebuild()).

ROLLUP_TABLES = ("stat_cycle_first", "stat_cycle_resolved", "stat_reply", "stat_conversation_status")

TRIGGER_SQL = """
CREATE FUNCTION parvis_cycle_first_state(c conversation_cycle) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN c.first_inbound_at IS NULL THEN NULL
    WHEN c.first_response_at IS NOT NULL THEN
      CASE WHEN c.sla_due_at IS NULL THEN 'answered' WHEN c.first_response_at <= c.sla_due_at THEN 'met'
           ELSE 'late' END
    WHEN c.resolved_at IS NOT NULL THEN
      CASE WHEN c.sla_due_at IS NULL THEN 'closed' WHEN c.resolved_at <= c.sla_due_at THEN 'cancelled'
           ELSE 'expired' END
    ELSE NULL END
$$;

CREATE FUNCTION parvis_first_delta(c conversation_cycle, delta integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE outcome text := parvis_cycle_first_state(c);
BEGIN
  IF outcome IS NOT NULL THEN
    INSERT INTO stat_cycle_first AS s (day, channel_id, responder_id, urgency, state, count)
    VALUES (date_trunc('day', c.first_inbound_at, 'UTC'), c.channel_id, coalesce(c.first_responder_id, 0),
            coalesce(c.urgency, 'normal'), outcome, delta)
    ON CONFLICT (day, channel_id, responder_id, urgency, state) DO UPDATE SET count = s.count + delta;
  END IF;
END $$;

CREATE FUNCTION parvis_resolved_delta(c conversation_cycle, delta integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF c.resolved_at IS NOT NULL THEN
    INSERT INTO stat_cycle_resolved AS s (day, channel_id, resolver_id, count)
    VALUES (date_trunc('day', c.resolved_at, 'UTC'), c.channel_id, coalesce(c.resolver_id, 0), delta)
    ON CONFLICT (day, channel_id, resolver_id) DO UPDATE SET count = s.count + delta;
  END IF;
END $$;

-- Old and new rows are applied in a fixed order of their keys (first-response rows, then
-- resolution rows; within each, the smaller key first) so that concurrent transactions lock
-- rollup rows in the same order and cannot deadlock on them.
CREATE FUNCTION parvis_cycle_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE old_key text; new_key text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM parvis_first_delta(NEW, 1); PERFORM parvis_resolved_delta(NEW, 1); RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM parvis_first_delta(OLD, -1); PERFORM parvis_resolved_delta(OLD, -1); RETURN NULL;
  END IF;
  old_key := concat_ws('|', date_trunc('day', OLD.first_inbound_at, 'UTC'), OLD.channel_id,
                       coalesce(OLD.first_responder_id, 0), coalesce(OLD.urgency, 'normal'),
                       parvis_cycle_first_state(OLD));
  new_key := concat_ws('|', date_trunc('day', NEW.first_inbound_at, 'UTC'), NEW.channel_id,
                       coalesce(NEW.first_responder_id, 0), coalesce(NEW.urgency, 'normal'),
                       parvis_cycle_first_state(NEW));
  IF old_key < new_key THEN
    PERFORM parvis_first_delta(OLD, -1); PERFORM parvis_first_delta(NEW, 1);
  ELSIF old_key > new_key THEN
    PERFORM parvis_first_delta(NEW, 1); PERFORM parvis_first_delta(OLD, -1);
  END IF;
  old_key := concat_ws('|', date_trunc('day', OLD.resolved_at, 'UTC'), OLD.channel_id, coalesce(OLD.resolver_id, 0));
  new_key := concat_ws('|', date_trunc('day', NEW.resolved_at, 'UTC'), NEW.channel_id, coalesce(NEW.resolver_id, 0));
  IF OLD.resolved_at IS NULL AND NEW.resolved_at IS NULL THEN
    NULL;
  ELSIF old_key < new_key THEN
    PERFORM parvis_resolved_delta(OLD, -1); PERFORM parvis_resolved_delta(NEW, 1);
  ELSIF old_key > new_key THEN
    PERFORM parvis_resolved_delta(NEW, 1); PERFORM parvis_resolved_delta(OLD, -1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER stat_cycle AFTER INSERT OR DELETE OR UPDATE OF first_inbound_at, first_response_at,
  first_responder_id, urgency, sla_due_at, resolved_at, resolver_id, channel_id ON conversation_cycle
  FOR EACH ROW EXECUTE FUNCTION parvis_cycle_trigger();

CREATE FUNCTION parvis_reply_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO stat_reply AS s (day, channel_id, user_id, count)
    VALUES (date_trunc('day', OLD.replied_at, 'UTC'), OLD.channel_id, coalesce(OLD.user_id, 0), -1)
    ON CONFLICT (day, channel_id, user_id) DO UPDATE SET count = s.count - 1;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO stat_reply AS s (day, channel_id, user_id, count)
    VALUES (date_trunc('day', NEW.replied_at, 'UTC'), NEW.channel_id, coalesce(NEW.user_id, 0), 1)
    ON CONFLICT (day, channel_id, user_id) DO UPDATE SET count = s.count + 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER stat_reply AFTER INSERT OR DELETE OR UPDATE OF replied_at, channel_id, user_id ON reply_event
  FOR EACH ROW EXECUTE FUNCTION parvis_reply_trigger();

-- Conversations per status: append-only deltas (no row is updated, so concurrent writers never
-- wait for each other); the sweep sums them back into one row per channel and status.
CREATE FUNCTION parvis_conversation_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.channel_id = NEW.channel_id THEN RETURN NULL; END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO stat_conversation_status (channel_id, status, delta) VALUES (OLD.channel_id, OLD.status, -1);
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO stat_conversation_status (channel_id, status, delta) VALUES (NEW.channel_id, NEW.status, 1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER stat_conversation AFTER INSERT OR DELETE OR UPDATE OF status, channel_id ON conversation
  FOR EACH ROW EXECUTE FUNCTION parvis_conversation_trigger();

"""

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS stat_conversation ON conversation;
DROP TRIGGER IF EXISTS stat_reply ON reply_event;
DROP TRIGGER IF EXISTS stat_cycle ON conversation_cycle;
DROP FUNCTION IF EXISTS parvis_conversation_trigger();
DROP FUNCTION IF EXISTS parvis_reply_trigger();
DROP FUNCTION IF EXISTS parvis_cycle_trigger();
DROP FUNCTION IF EXISTS parvis_resolved_delta(conversation_cycle, integer);
DROP FUNCTION IF EXISTS parvis_first_delta(conversation_cycle, integer);
DROP FUNCTION IF EXISTS parvis_cycle_first_state(conversation_cycle);
"""


def _rollup_tables():
    day = sa.DateTime(timezone=True)
    op.create_table("stat_cycle_first",
                    sa.Column("day", day, nullable=False), sa.Column("channel_id", sa.Integer(), nullable=False),
                    sa.Column("responder_id", sa.Integer(), nullable=False),
                    sa.Column("urgency", sa.String(10), nullable=False),
                    sa.Column("state", sa.String(10), nullable=False),
                    sa.Column("count", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("day", "channel_id", "responder_id", "urgency", "state",
                                            name="pk_stat_cycle_first"))
    op.create_table("stat_cycle_resolved",
                    sa.Column("day", day, nullable=False), sa.Column("channel_id", sa.Integer(), nullable=False),
                    sa.Column("resolver_id", sa.Integer(), nullable=False),
                    sa.Column("count", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("day", "channel_id", "resolver_id", name="pk_stat_cycle_resolved"))
    op.create_table("stat_reply",
                    sa.Column("day", day, nullable=False), sa.Column("channel_id", sa.Integer(), nullable=False),
                    sa.Column("user_id", sa.Integer(), nullable=False),
                    sa.Column("count", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("day", "channel_id", "user_id", name="pk_stat_reply"))
    op.create_table("stat_conversation_status",
                    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
                    sa.Column("channel_id", sa.Integer(), nullable=False),
                    sa.Column("status", sa.String(10), nullable=False),
                    sa.Column("delta", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("id", name="pk_stat_conversation_status"))


# The same rows as the triggers would have written, from the tables (also count_rollup.rebuild()).
REBUILD_SQL = """
DELETE FROM stat_cycle_first; DELETE FROM stat_cycle_resolved; DELETE FROM stat_reply;
DELETE FROM stat_conversation_status;
INSERT INTO stat_conversation_status (channel_id, status, delta)
  SELECT channel_id, status, count(*) FROM conversation GROUP BY 1, 2;
INSERT INTO stat_cycle_first (day, channel_id, responder_id, urgency, state, count)
  SELECT date_trunc('day', c.first_inbound_at, 'UTC'), c.channel_id, coalesce(c.first_responder_id, 0),
         coalesce(c.urgency, 'normal'), parvis_cycle_first_state(c), count(*)
  FROM conversation_cycle c WHERE parvis_cycle_first_state(c) IS NOT NULL GROUP BY 1, 2, 3, 4, 5;
INSERT INTO stat_cycle_resolved (day, channel_id, resolver_id, count)
  SELECT date_trunc('day', resolved_at, 'UTC'), channel_id, coalesce(resolver_id, 0), count(*)
  FROM conversation_cycle WHERE resolved_at IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO stat_reply (day, channel_id, user_id, count)
  SELECT date_trunc('day', replied_at, 'UTC'), channel_id, coalesce(user_id, 0), count(*)
  FROM reply_event GROUP BY 1, 2, 3;
"""


def upgrade():
    with op.batch_alter_table("conversation_cycle", schema=None) as batch_op:
        for name, columns, include in CYCLE_INDEXES:
            batch_op.create_index(name, columns, unique=False, postgresql_include=include)
        # Cycles neither answered nor resolved: counted live by the dashboard (count_rollup).
        batch_op.create_index("ix_cycle_unsettled", ["first_inbound_at"], unique=False, postgresql_include=[
            "channel_id", "first_responder_id", "urgency", "sla_due_at"],
            postgresql_where=sa.text(UNSETTLED), sqlite_where=sa.text(UNSETTLED))
    with op.batch_alter_table("reply_event", schema=None) as batch_op:
        for name, column in (("ix_reply_event_wait", "wait_seconds"),
                             ("ix_reply_event_wait_business", "wait_business_seconds")):
            batch_op.create_index(name, [column], unique=False, postgresql_include=["replied_at", "channel_id"],
                                  postgresql_where=sa.text(LATER), sqlite_where=sa.text(LATER))
    _rollup_tables()  # on SQLite too (empty: SQLite counts from the tables)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRIGGER_SQL)
        op.execute(REBUILD_SQL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_TRIGGER_SQL)
    for table in reversed(ROLLUP_TABLES):
        op.drop_table(table)
    with op.batch_alter_table("reply_event", schema=None) as batch_op:
        batch_op.drop_index("ix_reply_event_wait_business")
        batch_op.drop_index("ix_reply_event_wait")
    with op.batch_alter_table("conversation_cycle", schema=None) as batch_op:
        batch_op.drop_index("ix_cycle_unsettled")
        for name, _, _ in reversed(CYCLE_INDEXES):
            batch_op.drop_index(name)
