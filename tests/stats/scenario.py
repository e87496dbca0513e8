"""A month of an institution's inbox, driven through the real services at controlled times.

Calendar: Europe/Paris, weekdays 09:00-12:00 and 14:00-18:00, Saturday 09:00-12:00; default SLA
targets (critical 30 min wall clock, high 2 business hours, normal 1 business day, low none).
Every expected figure in the tests is computed by hand in docs/metrics.md's worked example.
"""
from datetime import datetime
from zoneinfo import ZoneInfo

from inbox.extensions import db
from inbox.models import Conversation, Label, Message
from inbox.services import conversations, moderation, notes, replies, settings
from inbox.services.ingest import ingest_messages
from inbox.services.validation import validate_messages

PARIS = ZoneInfo("Europe/Paris")
CALENDAR = {
    "timezone": "Europe/Paris",
    "hours": {**{d: [["09:00", "12:00"], ["14:00", "18:00"]] for d in
                 ("monday", "tuesday", "wednesday", "thursday", "friday")},
              "saturday": [["09:00", "12:00"]]},
    "closed_days": ["2025-12-24"],
}
NOW = datetime(2025, 12, 2, 12, 0, tzinfo=PARIS)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


class Clock:
    """The time the services see as "now"."""

    def __init__(self, monkeypatch):
        self.now = NOW
        for module in ("inbox.services.replies", "inbox.services.conversations"):
            monkeypatch.setattr(f"{module}.utcnow", lambda: self.now)

    def at(self, moment: datetime) -> "Clock":
        self.now = moment
        return self


class Scenario:
    def __init__(self, factory, clock):
        self.factory, self.clock, self._n = factory, clock, 0
        settings.save_calendar(CALENDAR)
        db.session.commit()
        self.facebook = factory.channel(name="Facebook")
        self.mastodon = factory.channel(name="Mastodon")
        self.alice = factory.user(name="Alice")
        self.bob = factory.user(name="Bob")
        self.supervisor = factory.user(role="supervisor", name="Sophie")

    def inbound(self, channel, thread, at, urgency, sentiment="neutral", post="post-1", **flags) -> Message:
        self._n += 1
        items, errors = validate_messages({
            "external_id": f"m{self._n}", "thread_external_id": thread, "kind": "comment",
            "text": f"message {self._n}", "created_at": at.isoformat(),
            "author": {"external_id": f"citizen-{thread}"}, "post": {"external_id": post},
        }, 10)
        assert not errors
        message = ingest_messages(channel, items)[0].message
        # What the classify worker writes, then its conversation refresh.
        message.classify_status, message.urgency, message.sentiment = "done", urgency, sentiment
        for flag, value in flags.items():
            setattr(message, f"flag_{flag}", value)
        conversations.refresh_classification([message.conversation_id])
        db.session.commit()
        return message

    def reply(self, message, user, at):
        self.clock.at(at)
        return replies.send_reply(db.session.get(Conversation, message.conversation_id), user, "Réponse")

    def resolve(self, message, user, at):
        self.clock.at(at)
        conversations.set_status(db.session.get(Conversation, message.conversation_id), "resolved", user)

    def build(self) -> dict:
        fb, md, alice, bob = self.facebook, self.mastodon, self.alice, self.bob
        # 1: critical on Tuesday morning, a note (not a reply), answered after 20 min, a later
        #    reply 45 min after the citizen's second message, resolved at noon, reopened at
        #    17:30 and answered the next morning.
        c1 = self.inbound(fb, "t1", paris(2025, 11, 25, 10, 0), "critical", "negative")
        self.clock.at(paris(2025, 11, 25, 10, 5))
        notes.add_note(c1.conversation, alice, "Je regarde.")
        self.reply(c1, alice, paris(2025, 11, 25, 10, 20))
        self.inbound(fb, "t1", paris(2025, 11, 25, 11, 0), "normal", "negative")
        self.reply(c1, bob, paris(2025, 11, 25, 11, 45))
        self.resolve(c1, alice, paris(2025, 11, 25, 12, 0))
        self.inbound(fb, "t1", paris(2025, 11, 25, 17, 30), "normal")
        self.reply(c1, bob, paris(2025, 11, 26, 9, 30))
        # 2: high on Friday 17:00, answered Monday 09:30 (weekend), resolved at 09:40.
        c2 = self.inbound(md, "t2", paris(2025, 11, 28, 17, 0), "high", "negative")
        self.reply(c2, alice, paris(2025, 12, 1, 9, 30))
        self.resolve(c2, alice, paris(2025, 12, 1, 9, 40))
        # 3: normal on Monday 10 November 17:00, the 11th is a holiday, answered Wednesday 09:30;
        #    the message is hidden as offensive (moderation is not a reply).
        c3 = self.inbound(fb, "t3", paris(2025, 11, 10, 17, 0), "normal", "negative", post="post-2", toxic=True)
        self.clock.at(paris(2025, 11, 12, 9, 0))
        moderation.moderate(c3, "hide", "offensive", bob).created_at = self.clock.now
        db.session.commit()
        self.reply(c3, bob, paris(2025, 11, 12, 9, 30))
        # 4: low, never answered (no SLA). 5: critical at night, unanswered. 6: normal, just in.
        c4 = self.inbound(md, "t4", paris(2025, 11, 24, 14, 0), "low", "positive")
        c5 = self.inbound(fb, "t5", paris(2025, 12, 1, 20, 0), "critical", "negative")
        c6 = self.inbound(fb, "t6", paris(2025, 12, 2, 11, 30), "normal")
        label = Label(name="Travaux")
        db.session.add(label)
        for message in (c2, c3):
            conversation = db.session.get(Conversation, message.conversation_id)
            conversation.labels.append(label)
        db.session.commit()
        self.clock.at(NOW)
        return {"c1": c1.conversation_id, "c2": c2.conversation_id, "c3": c3.conversation_id,
                "c4": c4.conversation_id, "c5": c5.conversation_id, "c6": c6.conversation_id,
                "label": label.id}
