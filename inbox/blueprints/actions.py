"""What staff do on conversations and messages: reply, note, status, assignment, moderation, labels."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Label, Message, ModerationAction, User
from ..services import bulk, conversations, corrections, labels, moderation, notes, replies
from ..services.conversations import ConversationError
from .inbox import bp, conversation_or_404, render_conversation


def _is_async() -> bool:
    """A request made by htmx or by the keyboard shortcuts' fetch: answer 204, the page refreshes itself."""
    return request.headers.get("HX-Request") == "true"


def _done(conv, message: str, *, to_index: bool = False):
    if _is_async():
        return "", 204, {"HX-Trigger": "inbox-changed"}
    flash(message, "success")
    target = url_for("inbox.index") if to_index else url_for("inbox.conversation", conversation_id=conv.id)
    return redirect(target), 303


def _failed(conv, exc: Exception, status: int = 400):
    """Refused: a 4xx naming the problem (the conversation page with the message, or plain text for htmx)."""
    if _is_async():
        return str(exc), status
    return render_conversation(conv, status, action_error=str(exc))


def _message_or_404(message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None:
        abort(404)
    return message


def _user_from_form(value: str | None):
    if value == "me":
        return current_user._get_current_object()
    if not value:
        return None
    if not value.isdigit() or db.session.get(User, int(value)) is None:
        abort(400, description=_("Unknown colleague."))
    return db.session.get(User, int(value))


def _snooze_date(value: str | None):
    """`until` from a datetime-local input (the institution's time zone), or "tomorrow"."""
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if not value or value == "tomorrow":
        return conversations.default_snooze_until(tz=tz)
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        abort(400, description=_("The snooze date is not a valid date."))
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(timezone.utc)


@bp.route("/conversations/<int:conversation_id>/reply", methods=["POST"])
@login_required
def reply(conversation_id: int):
    """Queue a public reply; refused when someone wrote since the agent last looked (unless confirmed)."""
    conv = conversation_or_404(conversation_id)
    body = request.form.get("body", "")
    last_seen = request.form.get("last_seen_id")
    try:
        replies.send_reply(conv, current_user, body, language=request.form.get("language") or None,
                           last_seen_id=int(last_seen) if last_seen and last_seen.isdigit() else None,
                           confirmed=request.form.get("confirm") == "1")
    except replies.ReplyCollision as exc:
        return render_conversation(conv, 409, collision=exc.newer, draft=body,
                                   draft_language=request.form.get("language"))
    except ConversationError as exc:
        if _is_async():
            return str(exc), 400
        return render_conversation(conv, 400, action_error=str(exc), draft=body,
                                   draft_language=request.form.get("language"))
    return _done(conv, _("Reply queued for delivery."))


@bp.route("/conversations/<int:conversation_id>/note", methods=["POST"])
@login_required
def note(conversation_id: int):
    """Add an internal note (never sent to the citizen); @mentions notify colleagues."""
    conv = conversation_or_404(conversation_id)
    try:
        notes.add_note(conv, current_user, request.form.get("body", ""))
    except ConversationError as exc:
        return _failed(conv, exc)
    return _done(conv, _("Note added."))


@bp.route("/conversations/<int:conversation_id>/status", methods=["POST"])
@login_required
def status(conversation_id: int):
    """Change the status: open, pending, resolved, or snoozed until a date."""
    conv = conversation_or_404(conversation_id)
    value = request.form.get("status", "")
    until = _snooze_date(request.form.get("until")) if value == "snoozed" else None
    try:
        conversations.set_status(conv, value, current_user, snoozed_until=until)
    except ConversationError as exc:
        return _failed(conv, exc)
    return _done(conv, _("Status changed."), to_index=value in ("resolved", "snoozed"))


@bp.route("/conversations/<int:conversation_id>/assign", methods=["POST"])
@login_required
def assign(conversation_id: int):
    """Claim the conversation, assign it to a colleague, or unassign it."""
    conv = conversation_or_404(conversation_id)
    try:
        conversations.assign(conv, _user_from_form(request.form.get("assignee")), current_user)
    except ConversationError as exc:
        return _failed(conv, exc)
    return _done(conv, _("Assignment changed."))


@bp.route("/conversations/<int:conversation_id>/labels", methods=["POST"])
@login_required
def set_labels(conversation_id: int):
    """Set the conversation's labels."""
    conv = conversation_or_404(conversation_id)
    ids = request.form.getlist("label")
    if not all(i.isdigit() for i in ids):
        abort(400, description=_("Unknown label."))
    try:
        labels.set_labels(conv, ids, current_user)
    except ConversationError as exc:
        return _failed(conv, exc)
    return _done(conv, _("Labels saved."))


@bp.route("/messages/<int:message_id>/moderate", methods=["POST"])
@bp.route("/messages/<int:message_id>/moderate/<action>", methods=["POST"])
@login_required
def moderate(message_id: int, action: str | None = None):
    """Hide, unhide, delete, mark as spam, block or unblock the author; with a reason code."""
    message = _message_or_404(message_id)
    try:
        moderation.moderate(message, action or request.form.get("action", ""), request.form.get("reason", ""),
                            current_user, request.form.get("comment"))
    except ConversationError as exc:
        return _failed(message.conversation, exc)
    return _done(message.conversation, _("Moderation applied. You can undo it for two minutes."))


@bp.route("/moderation/<int:action_id>/undo", methods=["POST"])
@login_required
def undo_moderation(action_id: int):
    """Undo one of my moderation actions within the undo window."""
    entry = db.session.get(ModerationAction, action_id)
    if entry is None:
        abort(404)
    try:
        moderation.undo(entry, current_user)
    except ConversationError as exc:
        return _failed(entry.message.conversation, exc, 409)
    return _done(entry.message.conversation, _("Moderation undone."))


@bp.route("/messages/<int:message_id>/correct", methods=["POST"])
@login_required
def correct(message_id: int):
    """Correct the classifier's labels on a message (kept for training)."""
    message = _message_or_404(message_id)
    flags = [f for f in request.form.getlist("flag") if f]
    try:
        corrections.correct_classification(
            message, current_user, sentiment=request.form.get("sentiment") or None,
            urgency=request.form.get("urgency") or None,
            flags=flags if request.form.get("flags_present") == "1" else None)
    except ConversationError as exc:
        return _failed(message.conversation, exc)
    return _done(message.conversation, _("Labels corrected. Thank you: the classifier will learn from it."))


@bp.route("/replies/<int:message_id>/retry", methods=["POST"])
@login_required
def retry(message_id: int):
    """Send a failed reply again."""
    message = _message_or_404(message_id)
    try:
        replies.retry_delivery(message, current_user)
    except ConversationError as exc:
        return _failed(message.conversation, exc)
    return _done(message.conversation, _("Reply queued again."))


@bp.route("/moderation/<int:action_id>/retry", methods=["POST"])
@login_required
def retry_moderation(action_id: int):
    """Send a moderation action the network refused again."""
    entry = db.session.get(ModerationAction, action_id)
    if entry is None:
        abort(404)
    try:
        moderation.retry_delivery(entry, current_user)
    except ConversationError as exc:
        return _failed(entry.message.conversation, exc)
    return _done(entry.message.conversation, _("Moderation queued again."))


@bp.route("/inbox/bulk", methods=["POST"])
@login_required
def bulk_action():
    """Apply one action to the selected conversations."""
    ids = request.form.getlist("ids")
    if not all(i.isdigit() for i in ids):
        abort(400, description=_("Invalid selection."))
    action = request.form.get("action", "")
    label = None
    if action == "label":
        label_id = request.form.get("label_id", "")
        label = db.session.get(Label, int(label_id)) if label_id.isdigit() else None
    assignee = _user_from_form(request.form.get("assignee") or "me") if action == "assign" else None
    until = _snooze_date(request.form.get("until")) if action == "snooze" else None
    try:
        count = bulk.apply(ids, action, current_user, assignee=assignee, label=label,
                           reason=request.form.get("reason") or "other", snooze_until=until)
    except ConversationError as exc:
        if _is_async():
            return str(exc), 400
        flash(str(exc), "error")
        return redirect(request.form.get("next") or url_for("inbox.index")), 303
    if _is_async():
        return "", 204, {"HX-Trigger": "inbox-changed"}
    flash(_("%(count)d conversations updated.", count=count), "success")
    back = request.form.get("next") or ""
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("inbox.index")), 303


