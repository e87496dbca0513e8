"""Administration: channels and bulk imports (administrators), automation rules (supervisors),
labels (everyone)."""
import redis
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..connectors import CONNECTORS
from ..extensions import db
from ..models import FLAGS, MODERATION_REASONS, SENTIMENTS, URGENCIES, Channel, Rule, User
from ..security import role_required
from ..services import channels, imports, labels, rules
from ..services.conversations import ConversationError

bp = Blueprint("admin", __name__, url_prefix="/admin")
KIND_LABELS = {"api": "API", "facebook": "Facebook", "instagram": "Instagram", "mastodon": "Mastodon",
               "youtube": "YouTube", "email": "E-mail", "form": "Formulaire web"}
admin_only = role_required("admin")


def _channel_or_404(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        abort(404)
    return channel


@bp.get("/channels")
@admin_only
def channel_list():
    """All channels with their state and the network's last error."""
    return render_template("admin/channels.html", channels=Channel.query.order_by(Channel.name).all(),
                           kinds=CONNECTORS, kind_labels=KIND_LABELS)


def _form_values() -> tuple[str, dict, str]:
    return request.form.get("name", ""), request.form.to_dict(), request.form.get("poll_interval_seconds", "120")


@bp.route("/channels/new/<kind>", methods=["GET", "POST"])
@admin_only
def channel_new(kind: str):
    """Add a channel of one kind; its secrets are stored encrypted."""
    if kind not in CONNECTORS:
        abort(404)
    errors = {}
    if request.method == "POST":
        name, values, interval = _form_values()
        try:
            channel = channels.create_channel(kind, name, values, current_user, interval)
        except channels.ChannelError as exc:
            errors = exc.errors
        else:
            flash(_("Channel created."), "success")
            return redirect(url_for("admin.channel_edit", channel_id=channel.id)), 303
    return render_template("admin/channel_form.html", kind=kind, connector=CONNECTORS[kind], channel=None,
                           errors=errors, values=request.form, kind_labels=KIND_LABELS), 400 if errors else 200


@bp.route("/channels/<int:channel_id>", methods=["GET", "POST"])
@admin_only
def channel_edit(channel_id: int):
    """Change a channel's settings (a secret left empty keeps its stored value)."""
    channel = _channel_or_404(channel_id)
    errors = {}
    if request.method == "POST":
        name, values, interval = _form_values()
        try:
            channels.update_channel(channel, name, values, current_user, interval)
        except channels.ChannelError as exc:
            errors = exc.errors
        else:
            flash(_("Channel saved."), "success")
            return redirect(url_for("admin.channel_edit", channel_id=channel.id)), 303
    values = request.form if request.method == "POST" else {
        "name": channel.name, "poll_interval_seconds": channel.poll_interval_seconds, **(channel.settings or {})}
    return render_template("admin/channel_form.html", kind=channel.kind, connector=CONNECTORS[channel.kind],
                           channel=channel, errors=errors, values=values, kind_labels=KIND_LABELS,
                           webhook_url=_webhook_url(channel)), 400 if errors else 200


def _webhook_url(channel: Channel) -> str | None:
    if channel.kind in ("facebook", "instagram"):
        return url_for("webhooks.meta_event", _external=True)
    if channel.kind == "form":
        return url_for("webhooks.form_post", channel_id=channel.id, _external=True)
    if channel.kind == "api":
        return url_for("api.ingest", channel_id=channel.id, _external=True)
    return None


@bp.post("/channels/<int:channel_id>/check")
@admin_only
def channel_check(channel_id: int):
    """Call the network with the stored credentials and say what it answered."""
    channel = _channel_or_404(channel_id)
    ok, detail = channels.check_connection(channel, current_user)
    if ok:
        flash(_("Connection works: %(detail)s", detail=detail), "success")
    else:
        flash(_("Connection failed: %(detail)s", detail=detail), "error")
    return redirect(url_for("admin.channel_list")), 303


@bp.post("/channels/<int:channel_id>/<any(enable, disable):action>")
@admin_only
def channel_toggle(channel_id: int, action: str):
    """Enable or disable a channel (a disabled channel is neither polled nor accepts webhooks)."""
    channel = _channel_or_404(channel_id)
    channels.set_enabled(channel, action == "enable", current_user)
    flash(_("Channel enabled.") if action == "enable" else _("Channel disabled."), "success")
    return redirect(url_for("admin.channel_list")), 303


@bp.route("/channels/<int:channel_id>/import", methods=["GET", "POST"])
@admin_only
def channel_import(channel_id: int):
    """Upload a CSV or JSON file of messages to import into this channel."""
    channel = _channel_or_404(channel_id)
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a file to import."), "error")
            return render_template("admin/import.html", channel=channel), 400
        try:
            import_id = imports.start_import(channel, upload.filename, upload.read(), current_user)
        except imports.ImportFileError as exc:
            flash(_("The file cannot be imported: %(reason)s", reason=str(exc)), "error")
            return render_template("admin/import.html", channel=channel), 400
        except redis.RedisError:
            flash(_("The job queue is unavailable; try again in a moment."), "error")
            return render_template("admin/import.html", channel=channel), 503
        return redirect(url_for("admin.import_progress", import_id=import_id)), 303
    return render_template("admin/import.html", channel=channel)


@bp.get("/imports/<import_id>")
@admin_only
def import_progress(import_id: str):
    """The progress bar and the per-row error report of an import."""
    state = imports.progress(import_id)
    if state is None:
        abort(404)
    return render_template("admin/import_progress.html", state=state, import_id=import_id,
                           channel=db.session.get(Channel, state["channel_id"]))


@bp.get("/imports/<import_id>.json")
@admin_only
def import_progress_json(import_id: str):
    """The same progress as JSON, polled by the page's script."""
    state = imports.progress(import_id)
    if state is None:
        abort(404)
    return jsonify(state)


def _rules_page(errors=None, form=None, status=200):
    return render_template(
        "admin/rules.html", rules=Rule.query.order_by(Rule.id).all(), errors=errors or {}, form=form or {},
        labels=labels.all_labels(), users=User.query.filter_by(active=True).order_by(User.name).all(),
        channels=Channel.query.order_by(Channel.name).all(), urgencies=URGENCIES, sentiments=SENTIMENTS,
        flags=FLAGS, reasons=MODERATION_REASONS,
    ), status


@bp.route("/rules", methods=["GET", "POST"])
@role_required("supervisor", "admin")
def rule_list():
    """List automation rules and create one."""
    if request.method == "GET":
        return _rules_page()
    form = request.form
    conditions = {key: form.get(key, "").strip() for key in rules.CONDITION_KEYS}
    actions = {key: form.get(key, "").strip() for key in rules.ACTION_KEYS}
    errors = rules.validate(form.get("name", ""), conditions, actions)
    if errors:
        return _rules_page(errors, form, 400)
    rules.create_rule(form["name"], conditions, actions, current_user)
    flash(_("Rule created."), "success")
    return redirect(url_for("admin.rule_list")), 303


@bp.route("/rules/<int:rule_id>/toggle", methods=["POST"])
@role_required("supervisor", "admin")
def rule_toggle(rule_id: int):
    """Enable or disable a rule."""
    rule = db.get_or_404(Rule, rule_id)
    rules.set_enabled(rule, not rule.enabled, current_user)
    return redirect(url_for("admin.rule_list")), 303


@bp.route("/rules/<int:rule_id>/delete", methods=["POST"])
@role_required("supervisor", "admin")
def rule_delete(rule_id: int):
    """Delete a rule."""
    rules.delete_rule(db.get_or_404(Rule, rule_id), current_user)
    flash(_("Rule deleted."), "success")
    return redirect(url_for("admin.rule_list")), 303


@bp.route("/labels", methods=["GET", "POST"])
@login_required
def label_list():
    """List labels and create one with its colour."""
    error = None
    if request.method == "POST":
        try:
            labels.create_label(request.form.get("name", ""), request.form.get("color", ""), current_user)
        except ConversationError as exc:
            error = str(exc)
        else:
            flash(_("Label created."), "success")
            return redirect(url_for("admin.label_list")), 303
    return render_template("admin/labels.html", labels=labels.all_labels(), error=error,
                           form=request.form), 400 if error else 200
