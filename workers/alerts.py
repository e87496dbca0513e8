"""Alert jobs: SLA warnings and breaches, crisis detection, the e-mails they produce; the stats rollup."""
import logging

from inbox.services import count_rollup, crisis, notifications, rollup, sla_alerts

from .app import app_context

log = logging.getLogger(__name__)


def check_sla() -> dict:
    """Job: warn before SLA deadlines and notify breaches (each once per cycle)."""
    with app_context():
        return sla_alerts.check()


def check_crisis() -> dict:
    """Job: detect surges of negative, toxic or critical messages and notify supervisors once per surge."""
    with app_context():
        return crisis.detect()


def send_emails() -> int:
    with app_context():
        return notifications.send_pending_emails()


def refresh_rollup() -> int:
    """Job: bring the dashboard's hourly rollup up to date (the dashboard is exact without it, only slower)."""
    with app_context():
        count_rollup.compact()  # sum the conversation-status deltas (exact with or without it)
        return rollup.refresh()


def run_alerts() -> dict:
    """Everything above, in order; called by the worker's sweep loop."""
    result = {"sla": check_sla(), "crisis": check_crisis(), "emails": send_emails(), "rollup_hours": refresh_rollup()}
    log.info("alerts: %s", result)
    return result
