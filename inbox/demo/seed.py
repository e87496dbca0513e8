"""Fill an empty database with demo users, channels and citizen messages."""
from ..extensions import db
from ..models import Channel, Label, SavedReply, User
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
]


def seed() -> dict:
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
    for key, channel in channels.items():
        raws = [m for m in load_demo_messages() if m["channel"] == key]
        raws.sort(key=lambda m: m["created_at"])
        items = [INBOUND_MESSAGE.load({k: v for k, v in m.items() if k not in ("channel", "lang")})
                 for m in raws]
        count += len(ingest_messages(channel, items, raws))
    return {"users": len(DEMO_USERS), "channels": len(channels), "messages": count}
