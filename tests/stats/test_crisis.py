"""Crisis detection: synthetic bursts are detected once; calm periods and slow growth stay silent."""
from datetime import timedelta

import pytest

from inbox.extensions import db
from inbox.models import Author, Conversation, CrisisAlert, Message, Notification
from inbox.models.base import utcnow
from inbox.services import crisis
from tests.helpers import login

NOW = utcnow().replace(microsecond=0)


class Feed:
    """Classified inbound messages written directly, as the classifier leaves them."""

    def __init__(self, factory):
        self.n = 0
        self.facebook, self.mastodon = factory.channel(name="Facebook"), factory.channel(name="Mastodon")
        self.supervisor = factory.user(role="supervisor")

    def add(self, channel, at, count=1, post="post-1", sentiment="neutral", urgency="normal", toxic=False,
            commit=True):
        for _ in range(count):
            self.n += 1
            author = Author(channel_id=channel.id, external_id=f"a{self.n}")
            conversation = Conversation(channel_id=channel.id, external_id=f"t{self.n}", author=author,
                                        post_external_id=post, opened_at=at, last_message_at=at)
            db.session.add(Message(conversation=conversation, channel_id=channel.id, external_id=f"m{self.n}",
                                   direction="in", author=author, body="x", created_at=at, received_at=at,
                                   classify_status="done", sentiment=sentiment, urgency=urgency, flag_toxic=toxic))
        if commit:
            db.session.commit()

    def calm_week(self, channel, per_hour=2, post="post-1"):
        """A week of ordinary traffic: a few negative messages every hour."""
        for hours in range(1, 7 * 24):
            self.add(channel, NOW - timedelta(hours=hours, minutes=20), per_hour, post=post, sentiment="negative",
                     commit=False)
        db.session.commit()


@pytest.fixture
def feed(factory):
    return Feed(factory)


def test_poisson_tail():
    assert crisis.poisson_tail(0, 3.0) == 1.0
    assert crisis.poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, abs=1e-9)
    # P(X >= 10 | 2) = 4.65e-5 (reference value from the Poisson CDF).
    assert crisis.poisson_tail(10, 2.0) == pytest.approx(4.6498e-5, rel=1e-3)


def test_a_burst_on_one_post_alerts_once_and_ends_after_calm(app, feed):
    feed.calm_week(feed.facebook)
    # 12 negative, toxic messages on one post in the last 10 minutes (about 0.5 expected in 15 min).
    feed.add(feed.facebook, NOW - timedelta(minutes=10), 12, post="post-bridge", sentiment="negative", toxic=True)
    result = crisis.detect(now=NOW)
    assert result["alerts"] == 1
    alert = CrisisAlert.query.one()
    assert (alert.scope, alert.channel_id, alert.post_external_id) == ("post", feed.facebook.id, "post-bridge")
    assert alert.signals == ["negative", "toxic"] and alert.count == 12
    assert Notification.query.filter_by(kind="crisis", user_id=feed.supervisor.id).count() == 1
    # The same surge one and five minutes later, still growing: no second alert.
    feed.add(feed.facebook, NOW + timedelta(minutes=1), 6, post="post-bridge", sentiment="negative")
    assert crisis.detect(now=NOW + timedelta(minutes=2))["alerts"] == 0
    assert crisis.detect(now=NOW + timedelta(minutes=5))["alerts"] == 0
    assert CrisisAlert.query.count() == 1 and Notification.query.count() == 1
    # An hour after the surge stopped being significant, the alert ends.
    assert crisis.detect(now=NOW + timedelta(minutes=70))["ended"] == 1
    assert CrisisAlert.query.one().ended_at is not None


def test_calm_periods_stay_silent(app, feed):
    feed.calm_week(feed.facebook, per_hour=4)
    # The last 15 minutes look like any other quarter hour: 1 to 2 negative messages.
    feed.add(feed.facebook, NOW - timedelta(minutes=5), 2, sentiment="negative")
    assert crisis.detect(now=NOW) == {"alerts": 0, "ended": 0, "surging_scopes": 0}
    # Many messages, but positive ones: not a crisis signal.
    feed.add(feed.facebook, NOW - timedelta(minutes=3), 30, sentiment="positive")
    assert crisis.detect(now=NOW)["alerts"] == 0
    assert CrisisAlert.query.count() == 0 and Notification.query.count() == 0


def test_a_busy_channel_needs_more_than_its_usual_volume(app, feed):
    # 40 negative messages an hour is the norm on Mastodon (10 per 15 min): 14 is not a surge,
    # although 14 in 15 minutes would be one on a quiet channel.
    for hours in range(1, 7 * 24):
        feed.add(feed.mastodon, NOW - timedelta(hours=hours, minutes=30), 40, post=None, sentiment="negative",
                 commit=False)
    db.session.commit()
    feed.add(feed.mastodon, NOW - timedelta(minutes=5), 14, post=None, sentiment="negative")
    assert crisis.detect(now=NOW)["alerts"] == 0
    # A critical burst on another channel with no history is detected at channel level.
    feed.add(feed.facebook, NOW - timedelta(minutes=4), 6, post=None, urgency="critical")
    assert crisis.detect(now=NOW)["alerts"] == 1
    alert = CrisisAlert.query.one()
    assert (alert.scope, alert.channel_id, alert.signals) == ("channel", feed.facebook.id, ["critical"])


def test_banner_shows_active_alerts(client, feed):
    feed.add(feed.facebook, NOW - timedelta(minutes=2), 8, post="post-x", urgency="critical")
    crisis.detect(now=NOW)
    login(client, feed.supervisor)
    page = client.get("/").get_data(as_text=True)
    assert page.count("data-crisis-alert=") == 1
    assert "post-x" in page
