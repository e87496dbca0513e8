"""The web inbox: the queue of conversations and the conversation page."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ..alerts_context import preload_current_cycles
from ..extensions import db
from ..forms import AssignForm, HideForm, NoteForm, ReplyForm, StatusForm
from ..models import Channel, Conversation, Message, ModerationAction, Note, User
from ..services import conversations, moderation, notes, replies
from ..services.conversations import ConversationError
from ..services.listing import CursorError, InboxFilters, conversation_query, fetch_page

bp = Blueprint("inbox", __name__)
PAGE_SIZE = 50


def _conversation_or_404(conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


@bp.route("/")
@login_required
def index():
    """List conversations, most urgent first, then longest waiting."""
    filters = InboxFilters.from_args(request.args)
    if filters.errors:
        abort(400)
    try:
        rows, next_after = fetch_page(db.session, conversation_query(filters, current_user),
                                      request.args.get("after"), PAGE_SIZE)
    except CursorError:
        abort(400)
    preload_current_cycles(c.id for c in rows)  # the SLA badge of every row in one query
    return render_template(
        "inbox/index.html", conversations=rows, filters=filters,
        next_url=url_for("inbox.index", **{**request.args.to_dict(), "after": next_after}) if next_after else None,
        channels=Channel.query.order_by(Channel.name).all(),
        users=User.query.filter_by(active=True).order_by(User.name).all(),
    )


@bp.route("/conversations/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    """Show a whole conversation with each message's classification and the reply box."""
    conv = _conversation_or_404(conversation_id)
    # Eager loads keep the page at a fixed number of queries however long the thread (no N+1).
    thread = conv.messages.options(selectinload(Message.author), selectinload(Message.user)).all()
    history = ModerationAction.query.options(selectinload(ModerationAction.user)).filter(
        ModerationAction.message_id.in_([m.id for m in thread])).order_by(ModerationAction.created_at).all()
    moderation_by_message = {}
    for entry in history:
        moderation_by_message.setdefault(entry.message_id, []).append(entry)
    assign_form = AssignForm()
    users = User.query.filter_by(active=True).order_by(User.name).all()
    assign_form.assignee.choices = [("", _("Nobody"))] + [(str(u.id), u.name) for u in users]
    assign_form.assignee.data = str(conv.assignee_id or "")
    status_form = StatusForm(status=conv.status if conv.status != "snoozed" else "open")
    return render_template(
        "inbox/conversation.html", conversation=conv, thread=thread,
        notes=Note.query.options(selectinload(Note.user)).filter_by(conversation_id=conv.id)
        .order_by(Note.created_at).all(),
        moderation_by_message=moderation_by_message,
        reply_form=ReplyForm(), note_form=NoteForm(), status_form=status_form,
        assign_form=assign_form, hide_form=HideForm(),
    )


def _back(conv: Conversation):
    return redirect(url_for("inbox.conversation", conversation_id=conv.id))


@bp.route("/conversations/<int:conversation_id>/reply", methods=["POST"])
@login_required
def reply(conversation_id: int):
    """Queue a public reply for delivery to the network."""
    conv = _conversation_or_404(conversation_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("The reply is empty or too long."), "error")
        return _back(conv), 303
    try:
        replies.send_reply(conv, current_user, form.body.data)
    except ConversationError as exc:
        flash(str(exc), "error")
        return _back(conv), 303
    flash(_("Reply queued for delivery."), "success")
    return _back(conv), 303


@bp.route("/conversations/<int:conversation_id>/note", methods=["POST"])
@login_required
def note(conversation_id: int):
    """Add an internal note (never sent to the citizen)."""
    conv = _conversation_or_404(conversation_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            notes.add_note(conv, current_user, form.body.data)
        except ConversationError as exc:
            flash(str(exc), "error")
            return _back(conv), 303
        flash(_("Note added."), "success")
    else:
        flash(_("The note is empty or too long."), "error")
    return _back(conv), 303


@bp.route("/conversations/<int:conversation_id>/status", methods=["POST"])
@login_required
def status(conversation_id: int):
    """Change the conversation's status (open, pending, resolved)."""
    conv = _conversation_or_404(conversation_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    conversations.set_status(conv, form.status.data, current_user)
    flash(_("Status changed."), "success")
    if form.status.data == "resolved":
        return redirect(url_for("inbox.index")), 303
    return _back(conv), 303


@bp.route("/conversations/<int:conversation_id>/assign", methods=["POST"])
@login_required
def assign(conversation_id: int):
    """Assign the conversation to me, to a colleague, or to nobody."""
    conv = _conversation_or_404(conversation_id)
    form = AssignForm()
    form.assignee.choices = [("", "")] + [("me", "")] + [
        (str(u.id), u.name) for u in User.query.filter_by(active=True)]
    if not form.validate_on_submit():
        abort(400)
    value = form.assignee.data
    assignee = current_user._get_current_object() if value == "me" else (
        db.session.get(User, int(value)) if value else None)
    try:
        conversations.assign(conv, assignee, current_user)
    except ConversationError as exc:
        flash(str(exc), "error")
        return _back(conv), 303
    flash(_("Assignment changed."), "success")
    return _back(conv), 303


@bp.route("/messages/<int:message_id>/moderate/<action>", methods=["POST"])
@login_required
def moderate(message_id: int, action: str):
    """Hide, unhide or delete a citizen's message, with a reason."""
    message = db.session.get(Message, message_id)
    if message is None:
        abort(404)
    form = HideForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        moderation.moderate(message, action, form.reason.data, current_user, form.comment.data)
    except ConversationError as exc:
        flash(str(exc), "error")
        return _back(message.conversation), 303
    flash(_("Moderation applied."), "success")
    return _back(message.conversation), 303


@bp.route("/replies/<int:message_id>/retry", methods=["POST"])
@login_required
def retry(message_id: int):
    """Send a failed reply again."""
    message = db.session.get(Message, message_id)
    if message is None:
        abort(404)
    try:
        replies.retry_delivery(message, current_user)
    except ConversationError as exc:
        flash(str(exc), "error")
    return _back(message.conversation), 303


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
        flash(str(exc), "error")
    return _back(entry.message.conversation), 303


@bp.route("/events")
@login_required
def live_events():
    """Server-sent events: live updates relayed from Redis pub/sub."""
    from flask import Response, stream_with_context

    from ..services.live import stream_events

    return Response(stream_with_context(stream_events()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
