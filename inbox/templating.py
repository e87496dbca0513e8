"""Template filters and globals."""
from datetime import datetime, timedelta
from functools import lru_cache

from babel.dates import format_timedelta
from flask_babel import get_locale, lazy_gettext as _l

from .models.base import utcnow

URGENCY_LABELS = {"critical": _l("critical"), "high": _l("high"), "normal": _l("normal"), "low": _l("low")}
SENTIMENT_LABELS = {"negative": _l("negative"), "neutral": _l("neutral"), "positive": _l("positive")}
FLAG_LABELS = {"toxic": _l("toxic"), "threat": _l("threat"), "spam": _l("spam"),
               "personal_data": _l("personal data")}
STATUS_LABELS = {"open": _l("open"), "pending": _l("pending"), "resolved": _l("resolved"),
                 "snoozed": _l("snoozed"), "all": _l("all")}
REASON_LABELS = {"offensive": _l("offensive"), "abusive": _l("abusive"), "threat": _l("threat"),
                 "spam": _l("spam"), "personal_data": _l("personal data"), "off_topic": _l("off-topic"),
                 "other": _l("other")}
MODERATION_ACTION_LABELS = {"hide": _l("hidden"), "unhide": _l("unhidden"), "delete": _l("deleted"),
                            "spam": _l("marked as spam"), "block": _l("author blocked"),
                            "unblock": _l("author unblocked"), "undo": _l("undone")}
VIEW_LABELS = {"to_handle": _l("To handle"), "mine": _l("Mine"), "unassigned": _l("Unassigned"),
               "pending": _l("Pending"), "snoozed": _l("Snoozed"), "resolved": _l("Resolved"),
               "moderation": _l("Moderation"), "all": _l("All")}
RULE_LABELS = {"text_contains": _l("text contains"), "urgency": _l("urgency is"), "sentiment": _l("sentiment is"),
               "flag": _l("is flagged"), "channel_id": _l("channel is"), "author_contains": _l("author contains"),
               "label_id": _l("add label"), "assign_to": _l("assign to"), "priority": _l("set priority"),
               "hide": _l("hide, reason")}
DELIVERY_LABELS = {"queued": _l("queued"), "sent": _l("sent"), "failed": _l("failed")}


def waiting_for(since: datetime | None) -> str:
    """How long since `since`, to the minute, in words of the current locale ("12 minutes")."""
    if since is None:
        return ""
    minutes = (utcnow() - since).total_seconds() / 60
    whole = round(minutes)
    if whole == 0 and minutes:  # as Babel: a nonzero wait under the unit still reads "1 minute"
        whole = 1 if minutes > 0 else -1
    locale = get_locale()  # None outside a request: Babel's default locale, as flask_babel does
    return _waiting_words(str(locale) if locale else None, whole)


@lru_cache(maxsize=4096)
def _waiting_words(locale: str | None, minutes: int) -> str:
    """Babel's wording for a whole number of minutes, once per locale and value: the list shows
    it on each of its 50 rows at every refresh, and Babel picks the unit and plural form anew
    each time."""
    options = {"locale": locale} if locale else {}
    return format_timedelta(timedelta(minutes=minutes), granularity="minute", threshold=1.1, **options)


LABEL_SETS = {
    "URGENCY_LABELS": URGENCY_LABELS, "SENTIMENT_LABELS": SENTIMENT_LABELS, "FLAG_LABELS": FLAG_LABELS,
    "STATUS_LABELS": STATUS_LABELS, "REASON_LABELS": REASON_LABELS, "DELIVERY_LABELS": DELIVERY_LABELS,
    "MODERATION_ACTION_LABELS": MODERATION_ACTION_LABELS, "VIEW_LABELS": VIEW_LABELS, "RULE_LABELS": RULE_LABELS,
}
_translated_label_sets: dict[str, dict] = {}


def translated_label_sets(locale: str) -> dict:
    """The label dictionaries above as plain strings in `locale` (the current one), translated once
    per locale and process: a lazy string is translated again each time a template prints it, and
    a 40-message conversation page prints several hundred of them."""
    sets = _translated_label_sets.get(locale)
    if sets is None:
        sets = {name: {key: str(label) for key, label in labels.items()} for name, labels in LABEL_SETS.items()}
        _translated_label_sets[locale] = sets
    return sets


def init_app(app):
    from . import alerts_context

    alerts_context.init_app(app)
    app.jinja_env.filters["waiting_for"] = waiting_for
    # Outside a request (no locale) templates still get the lazy labels.
    app.jinja_env.globals.update(LABEL_SETS)

    @app.context_processor
    def institution():
        from flask_babel import get_locale

        locale = get_locale()
        context = {"institution_name": app.config["INSTITUTION_NAME"], "current_locale": str(locale)}
        if locale is not None:
            context.update(translated_label_sets(str(locale)))
        return context
