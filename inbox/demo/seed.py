"""Fill an empty database with demo users, channels and citizen messages, then give it a past.

seed() stores the corpus (inbox/demo/messages.json) moved forward by whole days so that its
newest message is less than a day old whenever the demo is started: the inbox shows this week's
messages, with their weekdays and times of day kept. seed_history(), run once the messages are
classified, writes what a working team would have done with the older ones (public replies,
resolutions, assignments), through the same bookkeeping as the real actions, so that the
supervisor's statistics have response times and SLA figures to show.
"""
from datetime import datetime, timedelta
from random import Random

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Channel, Conversation, Label, Message, SavedReply, User
from ..models.base import utcnow
from ..services import composer, cycles, settings
from ..services.conversations import note_outbound
from ..services.ingest import ingest_messages
from ..services.validation import INBOUND_MESSAGE

DEMO_USERS = [
    {"email": "admin@parvis.example", "name": "Alice Admin", "role": "admin", "password": "parvis-admin"},
    {"email": "superviseur@parvis.example", "name": "Sophie Renard", "role": "supervisor",
     "password": "parvis-superviseur"},
    {"email": "claire@parvis.example", "name": "Claire Dubois", "role": "agent", "password": "parvis-agent"},
    {"email": "karim@parvis.example", "name": "Karim Benali", "role": "agent", "password": "parvis-agent"},
]
DEMO_CHANNELS = {
    "facebook-ville": "Facebook · Mairie de Villeneuve",
    "mastodon-region": "Mastodon · Région Val-de-Loire Nord",
    "contact-form": "Formulaire de contact",
}
DEMO_SAVED_REPLIES = [
    ("Remerciements", "merci", "fr",
     "Bonjour {author_name}, merci pour votre message ! Belle journée, l'équipe de {institution}."),
    ("Transmis au service", "transmis", "fr",
     "Bonjour {author_name}, votre demande a été transmise au service concerné, qui revient vers vous "
     "au plus vite. {institution}"),
    ("Urgence : appeler le 112", "urgence", "fr",
     "Bonjour {author_name}, en cas de danger immédiat appelez le 112 (ou le 18 pour les pompiers). "
     "Nos services sont prévenus. {institution}"),
    ("Thanks", "thanks", "en", "Hello {author_name}, thank you for your message! {institution}"),
    ("Passed on to the department", "passedon", "en",
     "Hello {author_name}, your request has been passed on to the department concerned, which will get "
     "back to you shortly. {institution}"),
    ("Emergency: call 112", "emergency", "en",
     "Hello {author_name}, if anyone is in immediate danger please call 112. Our services have been "
     "alerted. {institution}"),
]


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def demo_shift(messages: list[dict], now: datetime) -> timedelta:
    """Whole days that bring the corpus's newest message to within the day before `now`."""
    newest = max(_parse(m["created_at"]) for m in messages)
    return timedelta(days=(now - newest) // timedelta(days=1))


def _shifted(message: dict, shift: timedelta) -> dict:
    created = (_parse(message["created_at"]) + shift).isoformat().replace("+00:00", "Z")
    return {**message, "created_at": created}


def seed(now: datetime | None = None) -> dict:
    """Create the demo data; refuse to touch a database that already has users."""
    from . import load_demo_messages

    if User.query.count():
        return {"skipped": "the database already has users"}
    for spec in DEMO_USERS:
        user = User(email=spec["email"], name=spec["name"], role=spec["role"])
        user.set_password(spec["password"])
        db.session.add(user)
    channels = {}
    for key, name in DEMO_CHANNELS.items():
        channels[key] = Channel(kind="api", name=name, settings={"demo_key": key},
                                secrets={"signing_secret": Channel.new_secret()})
        db.session.add(channels[key])
    for name, color in (("travaux", "#b45309"), ("propreté", "#047857"), ("presse", "#7c3aed")):
        db.session.add(Label(name=name, color=color))
    for title, shortcut, language, body in DEMO_SAVED_REPLIES:
        db.session.add(SavedReply(title=title, shortcut=shortcut, language=language, body=body))
    db.session.commit()
    count = 0
    corpus = load_demo_messages()
    shift = demo_shift(corpus, now or utcnow())
    corpus = [_shifted(m, shift) for m in corpus]
    for key, channel in channels.items():
        raws = [m for m in corpus if m["channel"] == key]
        raws.sort(key=lambda m: m["created_at"])
        items = [INBOUND_MESSAGE.load({k: v for k, v in m.items() if k not in ("channel", "lang")})
                 for m in raws]
        count += len(ingest_messages(channel, items, raws))
    return {"users": len(DEMO_USERS), "channels": len(channels), "messages": count,
            "shifted_days": shift.days}


# How long the demo team took to answer, by urgency: (shortest, longest) in minutes, wall-clock
# for critical messages (on call), business hours for the rest. HISTORY_LATE of the answers came
# late (up to HISTORY_LATE_FACTOR times the longest), so the SLA figures are not all green;
# HISTORY_BACKLOG of the non-critical conversations were left waiting.
HISTORY_DELAYS = {"critical": (3, 25), "high": (20, 120), "normal": (30, 360), "low": (30, 480)}
HISTORY_LATE, HISTORY_LATE_FACTOR = 0.12, 3
HISTORY_BACKLOG = 0.2
HISTORY_FRESH = timedelta(hours=12)  # before the newest message: the current work, untouched
HISTORY_RESOLVED = 0.7               # of the handled ones whose citizen did not write again
HISTORY_SEED = 2026
_REPLY_SHORTCUTS = {"fr": {"critical": "urgence", "high": "transmis", "normal": "transmis"},
                    "en": {"critical": "emergency", "high": "passedon", "normal": "passedon"}}


def seed_history(now: datetime | None = None) -> dict:
    """Give the seeded demo a past: the older conversations answered, most of them resolved, the
    rest pending (awaiting the citizen) or waiting for an answer.

    Run once the demo's messages are classified (the SLA of a cycle is fixed by the urgency
    known when it is first answered). Each conversation is answered as a team would: a reply
    some time after the first unanswered message, again after each message that came later.
    Thanks and reactions ("low") and flagged conversations that are not critical get no reply,
    only a resolution.
    The team's work stops half an hour before the newest message, and conversations that had a
    message in the HISTORY_FRESH before it are left to the live queue. Deterministic for a
    given database and `now`; does nothing where a public reply already exists, nor on a
    database with a channel that seed() did not create (a real one: its replies would be made up).
    """
    now = now or utcnow()
    channels = db.session.scalars(select(Channel)).all()
    if not channels or any("demo_key" not in (c.settings or {}) for c in channels):
        return {"skipped": "not the demo database: it has channels seed() did not create"}
    if db.session.scalar(select(func.count()).select_from(Message).where(Message.direction == "out")):
        return {"skipped": "the database already has replies"}
    demo_agents = [u["email"] for u in DEMO_USERS if u["role"] == "agent"]
    agents = db.session.scalars(select(User).where(User.email.in_(demo_agents), User.active.is_(True))
                                .order_by(User.id)).all()
    saved = {r.shortcut: r for r in db.session.scalars(select(SavedReply))}
    if not agents or not saved:
        return {"skipped": "no demo agents or saved replies"}
    rng = Random(HISTORY_SEED)
    institution = current_app.config["INSTITUTION_NAME"]
    calendar = settings.calendar()
    summary = {"replies": 0, "late": 0, "resolved": 0, "pending": 0, "waiting": 0}

    def act_after(start: datetime, urgency: str) -> tuple[datetime, bool]:
        shortest, longest = HISTORY_DELAYS[urgency]
        late = rng.random() < HISTORY_LATE
        minutes = rng.uniform(longest, longest * HISTORY_LATE_FACTOR) if late else rng.uniform(shortest, longest)
        if urgency == "critical":
            return start + timedelta(minutes=minutes), late
        return calendar.add_business_seconds(start, minutes * 60), late

    newest = db.session.scalar(select(func.max(Message.created_at)).where(Message.direction == "in"))
    if newest is None:
        return {"skipped": "no messages"}
    until = min(now, newest) - timedelta(minutes=30)
    conversations = db.session.scalars(select(Conversation).where(
        Conversation.status == "open", Conversation.waiting_since.is_not(None)).order_by(Conversation.id)).all()
    for conversation in conversations:
        inbound = db.session.execute(select(Message.created_at, Message.body, Message.language).where(
            Message.conversation_id == conversation.id, Message.direction == "in")
            .order_by(Message.created_at, Message.id)).all()
        if not inbound or newest - inbound[-1].created_at < HISTORY_FRESH:
            continue
        urgency = conversation.urgency if conversation.urgency in HISTORY_DELAYS else "normal"
        if urgency != "critical" and rng.random() < HISTORY_BACKLOG:
            summary["waiting"] += 1
            continue
        agent = agents[rng.randrange(len(agents))]
        conversation.assignee = agent
        if urgency == "low" or (conversation.flagged and urgency != "critical"):
            # nothing to answer, or a moderation matter (hidden or left, then closed)
            resolved_at, _ = act_after(inbound[-1].created_at, "low")
        else:
            language = "en" if inbound[0].language == "en" else "fr"
            template = saved.get(_REPLY_SHORTCUTS[language][urgency]) or next(iter(saved.values()))
            body = composer.fill_placeholders(template.body, conversation, institution)
            answered, last_reply = 0, None
            while answered < len(inbound):
                waiting = inbound[answered].created_at
                at, late = act_after(waiting, urgency)
                if at > until:
                    break
                conversation.waiting_since = waiting  # what note_outbound() times the reply from
                _reply(conversation, agent, at, body, language)
                summary["replies"] += 1
                summary["late"] += late
                last_reply = at
                while answered < len(inbound) and inbound[answered].created_at <= at:
                    answered += 1
            if answered < len(inbound):  # the citizen wrote again and waits for an answer
                conversation.waiting_since = inbound[answered].created_at
                conversation.last_message_at, conversation.last_excerpt = \
                    inbound[-1].created_at, inbound[-1].body[:280]
                summary["waiting"] += 1
                continue
            if last_reply is None:
                summary["waiting"] += 1
                continue
            resolved_at = last_reply + timedelta(minutes=rng.uniform(5, 180))
        if rng.random() < HISTORY_RESOLVED and resolved_at < until:
            conversation.status = "resolved"
            conversation.resolved_at = resolved_at
            cycles.on_status(conversation, "open", "resolved", agent, resolved_at)
            summary["resolved"] += 1
        elif conversation.waiting_since is None:  # answered: the agent awaits the citizen's answer
            conversation.status = "pending"
            summary["pending"] += 1
    db.session.commit()
    return summary


def _reply(conversation: Conversation, agent: User, at: datetime, body: str, language: str) -> None:
    """A public reply sent at `at`, recorded as the reply service records one."""
    reply = Message(conversation=conversation, channel_id=conversation.channel_id, direction="out",
                    language=language, user=agent, body=body, created_at=at, received_at=at,
                    delivery_status="sent", delivered_at=at + timedelta(seconds=2))
    db.session.add(reply)
    note_outbound(conversation, reply)
