"""The supervisor dashboard, its CSV export and the SLA/calendar settings."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from ..extensions import db
from ..models import Channel, Label, URGENCIES
from ..security import role_required
from ..services import audit, settings
from ..services.business_hours import WEEKDAYS
from ..services.dashboard import dashboard
from ..services.settings import SettingsError
from ..services.stats_export import csv_chunks
from ..services.stats_filters import StatsFilters

bp = Blueprint("stats", __name__, url_prefix="/stats")
WEEKDAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                  _l("Sunday"))


def _filters() -> StatsFilters:
    filters = StatsFilters.from_args(request.args)
    if filters.errors:
        abort(400, description="; ".join(f"{k}: {v}" for k, v in filters.errors.items()))
    return filters


def drill_url(filters: StatsFilters, metric: str, **args) -> str:
    """The inbox list of the conversations behind a figure."""
    return url_for("inbox.index", status="all", metric=metric, **filters.as_args(), **args)


@bp.route("/")
@role_required("supervisor", "admin")
def index():
    """The dashboard: response times, SLAs, volumes, backlog, agents, moderation."""
    filters = _filters()
    figures = dashboard(filters)
    volume = figures["volume"]
    charts = {
        "volume": {"labels": volume["days"], "series": [
            {"label": row["name"], "data": [row["by_day"][d] for d in volume["days"]]} for row in volume["by_channel"]],
            "links": [drill_url(filters, "volume", m_day=d) for d in volume["days"]], "stacked": True},
        "sentiment": {"labels": volume["days"], "series": [
            {"label": str(_label("sentiment", s)), "key": s, "data": [volume["sentiment_by_day"][s][d] for d in volume["days"]]}
            for s in volume["sentiment_by_day"]]},
        "urgency": {"labels": volume["days"], "series": [
            {"label": str(_label("urgency", u)), "key": u, "data": [volume["urgency_by_day"][u][d] for d in volume["days"]]}
            for u in volume["urgency_by_day"]]},
        "sla": {"labels": [str(_label("urgency", u)) for u in URGENCIES], "series": [
            {"label": _("SLA met (%)"), "data": [figures["sla"][u]["percent_met"] for u in URGENCIES]}],
            "links": [drill_url(filters, "sla", m_urgency=u) for u in URGENCIES], "percent": True, "stacked": False},
    }
    return render_template(
        "stats/index.html", figures=figures, weekday_labels=WEEKDAY_LABELS,
        heat_peak=max(max(row) for row in volume["heatmap"]) or 1, filters=filters, charts=charts,
        drill=lambda metric, **args: drill_url(filters, metric, **args),
        channels=Channel.query.order_by(Channel.name).all(), labels=Label.query.order_by(Label.name).all(),
        export_url=url_for("stats.export", **filters.as_args()),
    )


def _label(kind, value):
    from ..templating import SENTIMENT_LABELS, URGENCY_LABELS

    if value == "unclassified":
        return _("unclassified")
    return (SENTIMENT_LABELS if kind == "sentiment" else URGENCY_LABELS)[value]


@bp.route("/export.csv")
@role_required("supervisor", "admin")
def export():
    """One CSV row per conversation with all its timings and labels (the export is audited)."""
    filters = _filters()
    audit.record("stats.export", None, filters=filters.as_args())
    db.session.commit()
    return Response(stream_with_context(csv_chunks(filters)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=parvis-conversations.csv"})


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings_page():
    """Edit the business calendar and the SLA targets."""
    if request.method == "POST":
        form = request.form
        try:
            hours = {}
            for day in WEEKDAYS:
                spans = [s.strip() for s in form.get(f"hours_{day}", "").split(",") if s.strip()]
                hours[day] = [span.split("-", 1) for span in spans]
                if any(len(span) != 2 for span in hours[day]):
                    raise SettingsError(f"{day}: write opening hours as 08:30-12:00, 13:30-17:30")
            settings.save_calendar({
                "timezone": form.get("timezone", "").strip(), "hours": hours,
                "closed_days": [d.strip() for d in form.get("closed_days", "").split() if d.strip()],
                "public_holidays": form.get("public_holidays") == "1"})
            settings.save_sla_targets({u: _target(form, u) for u in URGENCIES})
            audit.record("settings.update", None, sections=["calendar", "sla_targets"])
        except SettingsError as exc:
            db.session.rollback()
            flash(_("Settings not saved: %(error)s", error=str(exc)), "error")
            return render_template("stats/settings.html", form=form, calendar=settings.calendar(),
                                   targets=settings.sla_targets(), weekdays=WEEKDAYS,
                                   weekday_name=WEEKDAY_LABELS.__getitem__), 400
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("stats.settings_page"), 303)
    return render_template("stats/settings.html", form=None, calendar=settings.calendar(),
                           targets=settings.sla_targets(), weekdays=WEEKDAYS, weekday_name=WEEKDAY_LABELS.__getitem__)


def _target(form, urgency):
    kind, amount = form.get(f"sla_{urgency}_kind", "none"), form.get(f"sla_{urgency}_amount", "").strip()
    if kind == "none":
        return None
    if not amount.isdigit():
        raise SettingsError(f"{urgency}: the target must be a whole number")
    if kind == "business_days":
        return {"business_days": int(amount)}
    if kind not in ("wall", "business"):
        raise SettingsError(f"{urgency}: unknown kind of target")
    return {"minutes": int(amount), "clock": kind}
