"""The web inbox: the queue of conversations, the conversation page and their live fragments."""
import json

import redis
from flask import (Blueprint, Response, abort, current_app, jsonify, render_template, request,
                   stream_with_context, url_for)
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from .. import observability
from ..alerts_context import preload_current_cycles
from ..extensions import db
from ..models import MODERATION_REASONS, Channel, Conversation, Message, Note, User
from ..redis_conn import get_redis
from ..services import (composer, conversations, labels, listing, live, live_cache, moderation, notifications,
                        presence)
from ..services.live import stream_events

bp = Blueprint("inbox", __name__)


def conversation_or_404(conversation_id: int) -> Conversation:
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


def _filters_or_400() -> listing.InboxFilters:
    filters = listing.InboxFilters.from_args(request.args)
    if filters.errors:
        detail = "; ".join(f"{key} {message}" for key, message in filters.errors.items())
        abort(400, description=_("Invalid filter: %(detail)s", detail=detail))
    return filters


def _channel_choices():
    """Channels for the filter menu: id and name only (loading the whole row decrypts its secrets)."""
    return Channel.query.options(load_only(Channel.id, Channel.name)).order_by(Channel.name).all()


def _active_users():
    return User.query.filter_by(active=True).order_by(User.name).all()


@bp.route("/")
@login_required
def index():
    """List conversations of one view, most urgent first, then longest waiting."""
    filters = _filters_or_400()
    conversations.wake_snoozed()
    page = listing.list_page(filters, current_user)
    preload_current_cycles(c.id for c in page.conversations)  # every row's SLA badge in one query
    return render_template(
        "inbox/index.html", page=page, filters=filters, counts=listing.view_counts(current_user),
        views=listing.VIEWS, channels=_channel_choices(), users=_active_users(),
        labels=labels.all_labels(), reasons=MODERATION_REASONS,
        # A plain link to the next page too: the list pages without JavaScript.
        next_url=url_for("inbox.index", **filters.query_args(after=page.next_cursor)) if page.next_cursor else None,
    )


@bp.route("/inbox/rows")
@login_required
def rows():
    """The rows of one page of the list (htmx: live refresh and "load more")."""
    filters = _filters_or_400()

    def render() -> str:
        page = listing.list_page(filters, current_user)
        preload_current_cycles(c.id for c in page.conversations)
        return render_template("inbox/_rows.html", page=page, filters=filters)

    if filters.after or not live_cache.is_live_refresh():
        return render()
    # Every open list page asks at once on a live event: those with the same filters and language
    # share one render of the rows, and everyone shares one count of the views, which come along.
    parts = (sorted(filters.query_args().items()), str(get_locale()), str(get_timezone()),
             current_user.id if listing.depends_on_user(filters) else None)
    fragments = live_cache.shared({"rows": (parts, render),
                                   "counts": ((), lambda: json.dumps(listing.shared_counts()))})
    counts = listing.view_counts(current_user, json.loads(fragments["counts"]))
    return fragments["rows"] + render_template("inbox/_live_views.html", counts=counts, views=listing.VIEWS,
                                               filters=filters)


@bp.route("/inbox/counts")
@login_required
def counts():
    """The view tabs with their counts (htmx: after one's own action; a live event brings them
    with the rows)."""
    filters = _filters_or_400()
    return render_template("inbox/_views.html", counts=listing.view_counts(current_user), views=listing.VIEWS,
                           filters=filters)


# A conversation page shows its latest THREAD_WINDOW messages; "Show earlier messages" widens the
# window by as many (`?show=`), up to THREAD_MAX. A private-message thread with one citizen can
# run to thousands of messages over the years: rendered whole, each page view and each live
# refresh would cost seconds (docs/performance.md, "Long threads").
THREAD_WINDOW = 50
THREAD_MAX = 2000


def thread_size() -> int:
    """How many of the latest messages to show: `?show=` within [THREAD_WINDOW, THREAD_MAX]."""
    shown = request.args.get("show", "")
    size = int(shown) if shown.isdigit() else THREAD_WINDOW
    return min(max(size, THREAD_WINDOW), THREAD_MAX)


def conversation_context(conv: Conversation, show: int) -> dict:
    """The thread (its latest `show` messages), notes and moderation history of a conversation."""
    # Eager loads keep the page at a fixed number of queries however long the thread (no N+1).
    latest = (conv.messages.options(selectinload(Message.author), selectinload(Message.user))
              .order_by(None).order_by(Message.created_at.desc(), Message.id.desc()).limit(show + 1).all())
    thread = latest[:show][::-1]
    earlier_hidden = len(latest) > show
    # The newest message of the whole conversation (the reply form's collision check): one with an
    # older date but a newer id (an import) may lie before the window.
    last_seen_id = max((m.id for m in thread), default=0)
    if earlier_hidden:
        last_seen_id = db.session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conv.id))
    return {
        "conversation": conv, "thread": thread, "thread_shown": show, "earlier_hidden": earlier_hidden,
        # Back to the same message once the wider window is loaded.
        "earlier_url": url_for("inbox.conversation", conversation_id=conv.id, show=show + THREAD_WINDOW,
                               _anchor=f"message-{thread[0].id}") if earlier_hidden and show < THREAD_MAX else None,
        "live_url": url_for("inbox.conversation_live", conversation_id=conv.id,
                            **({"show": show} if show != THREAD_WINDOW else {})),
        "notes": Note.query.options(selectinload(Note.user)).filter_by(conversation_id=conv.id)
        .order_by(Note.created_at).all(),
        "moderation_by_message": moderation.message_history(m.id for m in thread),
        "can_undo": lambda entry: moderation.can_undo(entry, current_user),
        "last_seen_id": last_seen_id,
        "reasons": MODERATION_REASONS,
    }


@bp.route("/conversations/<int:conversation_id>")
@login_required
def conversation(conversation_id: int):
    """Show a whole conversation, its author's history and the reply composer."""
    conv = conversation_or_404(conversation_id)
    notifications.mark_read(current_user, conv.id)
    return render_conversation(conv)


def render_conversation(conv: Conversation, status: int = 200, **extra):
    institution = current_app.config["INSTITUTION_NAME"]
    context = conversation_context(conv, thread_size())
    context.update(
        users=_active_users(), labels=labels.all_labels(),
        earlier=conversations.recent_by_author(conv),
        author_history=moderation.author_history(conv.author) if conv.author else [],
        saved_replies=composer.saved_replies_for(conv, institution),
        reply_limit=composer.reply_limit(conv),
        present=presence.present(conv.id, exclude_user_id=current_user.id),
        snooze_default=conversations.default_snooze_until(tz=current_app.config["BABEL_DEFAULT_TIMEZONE"]),
    )
    context.update(extra)
    return render_template("inbox/conversation.html", **context), status


@bp.route("/conversations/<int:conversation_id>/live")
@login_required
def conversation_live(conversation_id: int):
    """The thread, notes and status of a conversation (htmx live refresh)."""
    conv = conversation_or_404(conversation_id)
    return render_template("inbox/_conversation_live.html", **conversation_context(conv, thread_size()))


@bp.route("/conversations/<int:conversation_id>/presence", methods=["GET", "POST"])
@login_required
def conversation_presence(conversation_id: int):
    """GET: who else is here. POST: my heartbeat (state=viewing|replying|left)."""
    conv = conversation_or_404(conversation_id)
    if request.method == "POST":
        state = request.form.get("state", "viewing")
        page = request.form.get("page", "")[:64]
        if state == "left":
            presence.leave(conv.id, current_user, page)
        elif state in presence.STATES:
            presence.heartbeat(conv.id, current_user, state, page)
        else:
            abort(400, description=_("Unknown presence state."))
        return "", 204
    return render_template("inbox/_presence.html",
                           present=presence.present(conv.id, exclude_user_id=current_user.id))


@bp.route("/events")
@login_required
def live_events():
    """Server-sent events: live updates relayed from Redis pub/sub.

    Answers 503 when this process already holds as many streams as it may, 429 when the account
    holds PARVIS_SSE_MAX_STREAMS_PER_USER of them (services/live.py): the page keeps working,
    says live updates are paused, and its EventSource retries.
    """
    limit = live.stream_limit(current_app.config["SSE_MAX_STREAMS"], request.environ)
    slots = live.slots_for(current_app)
    if not slots.acquire(limit):
        observability.count("live_streams_refused", limit="server")
        return Response(_("Too many live pages open on this server; retrying shortly."), status=503,
                        mimetype="text/plain", headers={"Retry-After": "30", "Cache-Control": "no-store"})
    user_id, streams = current_user.id, live.UserStreams(get_redis())
    stream = streams.take(user_id, current_app.config["SSE_MAX_STREAMS_PER_USER"])
    if stream is None:
        slots.release()
        observability.count("live_streams_refused", limit="user")
        return Response(_("Too many live pages open with your account; close a few of them."), status=429,
                        mimetype="text/plain", headers={"Retry-After": "30", "Cache-Control": "no-store"})
    response = Response(stream_with_context(stream_events()), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    def closed():
        slots.release()
        streams.give_back(user_id, stream)

    response.call_on_close(closed)
    return response


@bp.get("/events/status")
@login_required
def live_events_status():
    """Why a page's live stream may have been refused, for its notice: `account_full` when the
    account holds as many streams as PARVIS_SSE_MAX_STREAMS_PER_USER allows (a 429: closing a
    tab helps), else the server was full or out of reach (a 503, a network error: waiting helps).
    """
    cap, streams = current_app.config["SSE_MAX_STREAMS_PER_USER"], live.UserStreams(get_redis())
    try:
        held = streams.held(current_user.id)
    except redis.RedisError:  # not counted now: take() lets streams through without Redis
        return jsonify({"held": None, "cap": cap or None, "account_full": False})
    return jsonify({"held": held, "cap": cap or None, "account_full": streams.full(held, cap)})


def list_url(filters: listing.InboxFilters, **override) -> str:
    return url_for("inbox.rows", **filters.query_args(**override))


bp.add_app_template_global(list_url, "list_url")
