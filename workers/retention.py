"""The retention job: purge old message texts and anonymise old authors (run from the sweeper)."""
import logging

import redis
from flask import current_app

from inbox.redis_conn import get_redis
from inbox.services.personal_data import apply_retention

from .app import app_context

log = logging.getLogger(__name__)
RETENTION_LOCK_KEY = "parvis:retention:last-run"


def run_retention(dry_run: bool = False) -> dict:
    """Job: apply the configured retention period once."""
    with app_context():
        report = apply_retention(current_app.config["RETENTION_MONTHS"], dry_run=dry_run,
                                 audit_months=current_app.config["AUDIT_RETENTION_MONTHS"])
        log.info("retention: %s", report.as_dict())
        return report.as_dict()


def run_retention_if_due(app) -> dict | None:
    """Run the retention job at most once per RETENTION_EVERY_SECONDS across all workers."""
    try:
        due = get_redis(app).set(RETENTION_LOCK_KEY, "1", nx=True, ex=max(app.config["RETENTION_EVERY_SECONDS"], 1))
    except redis.RedisError as exc:
        log.warning("retention skipped, Redis unavailable: %s", exc)
        return None
    return run_retention() if due else None
