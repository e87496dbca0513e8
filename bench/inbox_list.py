"""How the inbox list holds up at scale: keyset pages vs OFFSET pages, view counts, full-text search.

    PYTHONPATH=$PWD .venv/bin/python bench/inbox_list.py [--conversations 20000] [--database URL]

Builds a database (SQLite file by default; any DATABASE_URL with --database, which is wiped) with
N conversations of one message each, then times, in the same run: the first page, a deep page
reached by keyset (the inbox's way) and the same page by OFFSET (the baseline), the view counts and
a full-text search. Prints milliseconds (median of 5) and the OFFSET/keyset ratio.
"""
import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone

WORDS = ("fuite", "eau", "école", "route", "nid", "poule", "piscine", "horaires", "travaux", "bruit",
         "déchets", "éclairage", "inondation", "parking", "marché", "bibliothèque", "merci", "bonjour")


def _median_ms(fn, runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=20000)
    parser.add_argument("--database", default=None, help="a database URL to use (it is wiped)")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="parvis-bench-")
    url = args.database or f"sqlite:///{workdir}/bench.db"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["PARVIS_INSTANCE"] = workdir

    from flask_migrate import downgrade, upgrade

    from inbox import create_app
    from inbox.extensions import db
    from inbox.models import Author, Channel, Conversation, Message, User
    from inbox.services import listing

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/4")})
    rng = random.Random(4)
    with app.app_context():
        if args.database:
            downgrade(revision="base")
        upgrade()
        user = User(email="bench@parvis.example", name="Bench")
        user.set_password("bench-bench")
        channel = Channel(name="bench", kind="api", secrets={})
        db.session.add_all([user, channel])
        db.session.commit()
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        for base in range(0, args.conversations, 2000):
            authors, conversations, messages = [], [], []
            for i in range(base, min(base + 2000, args.conversations)):
                when = start + timedelta(minutes=rng.randrange(500000))
                rank = rng.choice((0, 1, 2, 2, 2, 3))
                author = Author(channel_id=channel.id, external_id=f"a{i}", name=f"Citoyen {i}")
                text = " ".join(rng.choice(WORDS) for _ in range(12))
                conversation = Conversation(
                    channel_id=channel.id, external_id=f"c{i}", author=author, urgency_rank=rank,
                    status=rng.choice(("open", "open", "open", "pending", "resolved")),
                    waiting_since=when if rng.random() > .1 else None, last_message_at=when,
                    last_excerpt=text, message_count=1, flagged=rng.random() < .05)
                messages.append(Message(conversation=conversation, channel_id=channel.id, external_id=f"m{i}",
                                        author=author, body=text, created_at=when, received_at=when))
                authors.append(author)
                conversations.append(conversation)
            db.session.add_all(authors + conversations + messages)
            db.session.commit()

        filters = listing.InboxFilters.from_args({"view": "all"})
        query = listing.conversation_query(filters, user)
        depth = (args.conversations * 3) // 4
        row = db.session.scalars(query.offset(depth - 1).limit(1)).unique().one()
        cursor = listing.encode_cursor(row)
        deep_filters = listing.InboxFilters.from_args({"view": "all", "after": cursor})
        keyset_ids = [c.id for c in listing.list_page(deep_filters, user).conversations]
        offset_ids = [c.id for c in db.session.scalars(query.offset(depth).limit(50)).unique()]
        assert keyset_ids == offset_ids, "keyset and OFFSET pages differ"

        figures = {
            "first page (to handle)": _median_ms(lambda: listing.list_page(listing.InboxFilters(), user)),
            f"page at {depth} by keyset": _median_ms(lambda: listing.list_page(deep_filters, user)),
            f"page at {depth} by OFFSET (baseline)": _median_ms(
                lambda: db.session.scalars(query.offset(depth).limit(51)).unique().all()),
            "view counts": _median_ms(lambda: listing.view_counts(user)),
            "search 'inondation ecole'": _median_ms(lambda: listing.list_page(
                listing.InboxFilters.from_args({"view": "all", "q": "inondation ecole"}), user)),
        }
        print(f"{db.engine.dialect.name}, {args.conversations} conversations")
        for name, ms in figures.items():
            print(f"  {name:<40} {ms:8.1f} ms")
        keyset = figures[f"page at {depth} by keyset"]
        offset = figures[f"page at {depth} by OFFSET (baseline)"]
        print(f"  OFFSET / keyset at depth {depth}: {offset / keyset:.1f}x")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
