"""The audit trail for supervisors: browse with filters, export as CSV."""
import csv
import io

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from ..extensions import db
from ..models import AuditEvent, User
from ..security import role_required
from ..services import audit

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE_SIZE = 100
EXPORT_MAX_ROWS = 100_000


def _filters():
    filters = audit.AuditFilters.from_args(request.args)
    if filters.errors:
        abort(400)
    return filters


@bp.route("/")
@role_required("supervisor", "admin")
def index():
    """Browse the audit trail: who did what, when, from where."""
    filters = _filters()
    try:
        page = max(int(request.args.get("page", 1)), 1)
    except ValueError:
        abort(400)
    rows = db.session.scalars(audit.events_query(filters).offset((page - 1) * PAGE_SIZE)
                              .limit(PAGE_SIZE + 1)).all()
    actions = db.session.scalars(db.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template(
        "audit/index.html", events=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, page=page,
        filters=filters, actions=actions, users=User.query.order_by(User.name).all(),
    )


@bp.route("/export.csv")
@role_required("supervisor", "admin")
def export():
    """Download the filtered audit trail as CSV (the export itself is audited)."""
    filters = _filters()
    audit.record("audit.export", None, user=current_user._get_current_object(), filters=filters.as_args())
    db.session.commit()
    events = db.session.scalars(audit.events_query(filters).limit(EXPORT_MAX_ROWS)).all()
    users = {u.id: u for u in User.query.all()}

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in audit.csv_rows(events, users):
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=parvis-audit.csv"})
