"""The audit trail: every staff action is recorded with who, what, when and from where."""
from flask import has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models import AuditEvent


def record(action: str, target=None, user=None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (the caller commits)."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    ip = request.remote_addr if has_request_context() else None
    event = AuditEvent(
        user_id=user.id if user is not None else None,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=getattr(target, "id", None),
        detail=detail or None,
        ip=ip,
    )
    db.session.add(event)
    return event
