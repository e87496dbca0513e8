"""Bulk data for the benchmark: conversations, authors and messages loaded with PostgreSQL COPY.

Shaped like a regional inbox after a year: most conversations resolved, a few percent open or
pending, threads of one to a few dozen messages (a few long ones), about 15 % staff replies,
every inbound message already classified. `grow()` appends blocks, so the same database is
measured at 10,000 messages and then at 1,000,000.
"""
import json
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import psycopg

from inbox.services.count_rollup import COMPACT_SQL

DEMO_MESSAGES = Path(__file__).resolve().parent.parent / "inbox" / "demo" / "messages.json"
URGENCIES = ("critical", "high", "normal", "low")
URGENCY_P = (0.01, 0.06, 0.60, 0.33)
SENTIMENTS = ("negative", "neutral", "positive")
SENTIMENT_P = (0.35, 0.45, 0.20)
STATUSES = ("open", "pending", "resolved")
STATUS_P = (0.07, 0.03, 0.90)
REPLY_TEXTS = (
    "Bonjour, merci pour votre message. Nos services sont prévenus et reviennent vers vous rapidement.",
    "Merci de votre retour ! Nous transmettons au service concerné.",
    "Bonjour, vous pouvez consulter les horaires sur le site de la mairie.",
)
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)


def _escape(text: str) -> str:
    """COPY text format: escape backslash, tab, newline and carriage return."""
    return (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


def text_pool() -> list[str]:
    texts = [m["text"] for m in json.loads(DEMO_MESSAGES.read_text(encoding="utf-8"))]
    return texts or ["Bonjour, à quelle heure ouvre la mairie ?"]


def _ts(value: datetime) -> str:
    return value.isoformat()


def counts(dsn: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        messages = conn.execute("SELECT coalesce(max(id), 0) FROM message").fetchone()[0]
        conversations = conn.execute("SELECT coalesce(max(id), 0) FROM conversation").fetchone()[0]
    return messages, conversations


def grow(dsn: str, target_messages: int, channel_ids: list[int], user_ids: list[int],
         seed: int = 8, ratio: float = 0.3) -> dict:
    """Append messages (and ratio x as many conversations) until `target_messages` exist."""
    started = time.perf_counter()
    first_message, first_conversation = counts(dsn)
    n_messages = target_messages - first_message
    if n_messages <= 0:
        return {"added_messages": 0, "seconds": 0.0}
    n_conv = max(1, int(n_messages * ratio))
    rng = np.random.default_rng(seed + first_message)
    texts = [_escape(t) for t in text_pool()]
    replies = [_escape(t) for t in REPLY_TEXTS]

    # Thread lengths: one message each, the rest spread uniformly with 10 % on 1 % "hot" threads.
    conv_of = np.concatenate([
        np.arange(n_conv),
        rng.integers(0, n_conv, size=int((n_messages - n_conv) * 0.9)),
        rng.integers(0, max(1, n_conv // 100), size=n_messages - n_conv - int((n_messages - n_conv) * 0.9)),
    ])
    conv_of.sort()
    lengths = np.bincount(conv_of, minlength=n_conv)
    position = np.arange(n_messages) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    conv_start = rng.uniform(0, 365 * 86400, size=n_conv)  # seconds before NOW
    gaps = rng.exponential(1800, size=n_messages)  # about 30 minutes between messages of a thread
    offset = np.repeat(conv_start, lengths) - position * gaps
    offset = np.maximum(offset, 1.0)
    status = rng.choice(3, size=n_conv, p=STATUS_P)
    urgency = rng.choice(4, size=n_messages, p=URGENCY_P)
    sentiment = rng.choice(3, size=n_messages, p=SENTIMENT_P)
    outbound = (rng.random(n_messages) < 0.15) & (position > 0)
    flags = rng.random((n_messages, 4)) < np.array([0.02, 0.003, 0.01, 0.005])
    text_index = rng.integers(0, len(texts), size=n_messages)
    channel_of_conv = rng.integers(0, len(channel_ids), size=n_conv)
    assignee = rng.integers(-len(user_ids) * 3, len(user_ids), size=n_conv)  # mostly nobody

    n_authors = max(1, n_conv // 2)
    author_base = first_conversation  # author ids follow conversation blocks: unique per block
    author_of_conv = rng.integers(0, n_authors, size=n_conv)

    with psycopg.connect(dsn) as conn:
        first_author = conn.execute("SELECT coalesce(max(id), 0) FROM author").fetchone()[0]
        with conn.cursor() as cur:
            with cur.copy("COPY author (id, channel_id, external_id, name, blocked, created_at) FROM STDIN") as copy:
                chunk = []
                for a in range(n_authors):
                    chunk.append(f"{first_author + a + 1}\t{channel_ids[a % len(channel_ids)]}\t"
                                 f"bench-u{author_base + a}\tCitoyen {author_base + a}\tf\t{_ts(NOW)}\n")
                    if len(chunk) >= 20000:
                        copy.write("".join(chunk))
                        chunk = []
                copy.write("".join(chunk))

            # Conversations: summary fields derived from their messages.
            ends = np.cumsum(lengths)
            starts = ends - lengths
            conv_rows = []
            with cur.copy(
                "COPY conversation (id, channel_id, external_id, kind, author_id, status, assignee_id, urgency,"
                " urgency_rank, sentiment, flagged, opened_at, waiting_since, first_response_at, resolved_at,"
                " last_message_at, last_excerpt, message_count, created_at) FROM STDIN"
            ) as copy:
                for c in range(n_conv):
                    s, e = starts[c], ends[c]
                    first_at = NOW - timedelta(seconds=float(offset[s]))
                    last_at = NOW - timedelta(seconds=float(offset[e - 1]))
                    inbound = ~outbound[s:e]
                    ranks = urgency[s:e][inbound]
                    rank = int(ranks.min()) if len(ranks) else 2
                    st = STATUSES[status[c]]
                    replied = outbound[s:e].any()
                    first_response = NOW - timedelta(seconds=float(offset[s + int(np.argmax(outbound[s:e]))])) \
                        if replied else None
                    waiting = first_at if st == "open" else None
                    resolved = last_at if st == "resolved" else None
                    who = user_ids[assignee[c]] if assignee[c] >= 0 else None
                    conv_rows.append(
                        f"{first_conversation + c + 1}\t{channel_ids[channel_of_conv[c]]}\tc{first_conversation + c + 1}\t"
                        f"{'comment' if c % 3 else 'private'}\t{first_author + author_of_conv[c] + 1}\t{st}\t"
                        f"{who if who else chr(92) + 'N'}\t{URGENCIES[rank]}\t{rank}\t"
                        f"{SENTIMENTS[sentiment[e - 1]]}\t{'t' if flags[s:e].any() else 'f'}\t{_ts(first_at)}\t"
                        f"{_ts(waiting) if waiting else chr(92) + 'N'}\t"
                        f"{_ts(first_response) if first_response else chr(92) + 'N'}\t"
                        f"{_ts(resolved) if resolved else chr(92) + 'N'}\t{_ts(last_at)}\t"
                        f"{texts[text_index[e - 1]][:280]}\t{e - s}\t{_ts(first_at)}\n")
                    if len(conv_rows) >= 20000:
                        copy.write("".join(conv_rows))
                        conv_rows = []
                copy.write("".join(conv_rows))

            with cur.copy(
                "COPY message (id, conversation_id, channel_id, external_id, direction, author_id, user_id, body,"
                " language, created_at, received_at, visibility, classify_status, classify_attempts, sentiment,"
                " sentiment_score, urgency, urgency_score, flag_toxic, flag_threat, flag_spam, flag_personal_data,"
                " model_version, classified_at, classification_writes, delivery_status, delivery_attempts,"
                " delivered_at) FROM STDIN"
            ) as copy:
                rows = []
                for m in range(n_messages):
                    c = conv_of[m]
                    at = _ts(NOW - timedelta(seconds=float(offset[m])))
                    mid = first_message + m + 1
                    channel = channel_ids[channel_of_conv[c]]
                    if outbound[m]:
                        rows.append(
                            f"{mid}\t{first_conversation + c + 1}\t{channel}\tr{mid}\tout\t\\N\t{user_ids[m % len(user_ids)]}\t"
                            f"{replies[m % len(replies)]}\tfr\t{at}\t{at}\tvisible\t\\N\t0\t\\N\t\\N\t\\N\t\\N\t"
                            f"f\tf\tf\tf\t\\N\t\\N\t0\tsent\t1\t{at}\n")
                    else:
                        f = flags[m]
                        rows.append(
                            f"{mid}\t{first_conversation + c + 1}\t{channel}\tm{mid}\tin\t"
                            f"{first_author + author_of_conv[c] + 1}\t\\N\t{texts[text_index[m]]}\tfr\t{at}\t{at}\t"
                            f"{'hidden' if f[1] else 'visible'}\tdone\t1\t{SENTIMENTS[sentiment[m]]}\t0.8\t"
                            f"{URGENCIES[urgency[m]]}\t0.7\t{'t' if f[0] else 'f'}\t{'t' if f[1] else 'f'}\t"
                            f"{'t' if f[2] else 'f'}\t{'t' if f[3] else 'f'}\tbench\t{at}\t1\t\\N\t0\t\\N\n")
                    if len(rows) >= 20000:
                        copy.write("".join(rows))
                        rows = []
                copy.write("".join(rows))
        for table in ("author", "conversation", "message"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(dsn, autocommit=True) as conn:
        # What the worker's sweep does every few seconds: the COPY appended one status delta
        # per conversation; sum them into one row per channel and status.
        conn.execute(COMPACT_SQL)
        # FULL: the compaction left one live row per channel and status behind 300,000 dead
        # ones; the sweep's frequent compactions keep the table that small in a running system.
        conn.execute("VACUUM FULL ANALYZE stat_conversation_status")
        conn.execute("VACUUM ANALYZE author")
        conn.execute("VACUUM ANALYZE conversation")
        conn.execute("VACUUM ANALYZE message")
    return {"added_messages": n_messages, "added_conversations": n_conv,
            "seconds": round(time.perf_counter() - started, 1)}


def random_texts(n: int, seed: int = 3) -> list[str]:
    pool = text_pool()
    chooser = random.Random(seed)
    return [chooser.choice(pool) for _ in range(n)]
