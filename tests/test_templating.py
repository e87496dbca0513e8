"""Template helpers: the "waiting for" wording of the inbox list, remembered per locale and minute."""
from datetime import timedelta

import pytest
from babel.dates import format_timedelta
from flask_babel import force_locale

from inbox import templating
from inbox.models.base import utcnow


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_waiting_for_words_match_babel_to_the_minute(app, locale, monkeypatch):
    now = utcnow()
    monkeypatch.setattr(templating, "utcnow", lambda: now)
    waits = [timedelta(seconds=s) for s in (1, 29, 31, 59)] + [timedelta(minutes=m) for m in (
        1, 2, 5, 45, 59, 60, 65, 66, 90, 119, 120, 600, 1439, 1440, 2000, 2880, 20000, 60 * 24 * 40)]
    with app.test_request_context("/"), force_locale(locale):
        for wait in waits:
            expected = format_timedelta(wait if wait >= timedelta(minutes=1) else timedelta(minutes=1),
                                        granularity="minute", threshold=1.1, locale=locale)
            assert templating.waiting_for(now - wait) == expected, wait
        assert templating.waiting_for(None) == ""
        assert templating.waiting_for(now) == format_timedelta(timedelta(0), granularity="minute", locale=locale)
    # Each request's own locale, though the words are remembered across requests.
    with app.test_request_context("/"), force_locale("en"):
        assert templating.waiting_for(now - timedelta(hours=5)) == "5 hours"
    with app.test_request_context("/"), force_locale("fr"):
        assert templating.waiting_for(now - timedelta(hours=5)) == "5\u00a0heures"
