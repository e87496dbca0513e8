"""Checks on the demo corpus (inbox/demo/*.json) and the live-message simulator."""

import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from inbox.demo import CHANNELS, load_demo_messages, load_demo_posts, random_live_message

KEYS = {"channel", "external_id", "thread_external_id", "parent_external_id", "kind", "text",
        "created_at", "author", "permalink", "post", "lang"}
EXAMPLE_URL = re.compile(r"^https://([a-z0-9-]+\.)*[a-z0-9-]+\.example(/\S*)?$")
REAL_DOMAIN = re.compile(r"\b[\w-]+\.(com|fr|org|net|io|eu|be|uk|de)\b", re.I)
FR_WORDS = set("le la les de des du et est je j pour pas que qui une un vous ce ça c avec sur il elle "
               "mon ma mes merci bonjour svp dans ne nous ils au aux qu d l n s m t y ai suis sont faut".split())
EN_WORDS = set("the and is to of you i my for it in are do does there thanks thank hi hello please we "
               "what with can be at this that have our your any will if from so".split())


@pytest.fixture(scope="module")
def messages():
    return load_demo_messages()


@pytest.fixture(scope="module")
def posts():
    return {p["external_id"]: p for p in load_demo_posts()}


def parse_ts(value):
    assert isinstance(value, str) and value.endswith("Z"), value
    ts = datetime.fromisoformat(value[:-1] + "+00:00")
    assert ts.tzinfo is not None
    return ts


def check_shape(m):
    assert set(m) == KEYS, set(m) ^ KEYS
    assert m["channel"] in CHANNELS
    for key in ("external_id", "thread_external_id", "text"):
        assert isinstance(m[key], str) and m[key].strip(), key
    assert m["parent_external_id"] is None or isinstance(m["parent_external_id"], str)
    assert m["kind"] in ("comment", "private")
    assert m["lang"] in ("fr", "en")
    author = m["author"]
    assert set(author) == {"external_id", "name", "handle"}
    assert all(isinstance(v, str) and v.strip() for v in author.values())
    assert m["permalink"] is None or EXAMPLE_URL.match(m["permalink"]), m["permalink"]
    if m["kind"] == "private":
        assert m["post"] is None and m["permalink"] is None
    else:
        assert m["permalink"] is not None
    if m["channel"] == "contact-form":
        assert m["kind"] == "private"
    if m["channel"] == "facebook-ville" and m["kind"] == "comment":
        assert m["post"] is not None
    if m["post"] is not None:
        assert set(m["post"]) == {"external_id", "text", "url"}
        assert all(isinstance(v, str) and v for v in m["post"].values())
        assert EXAMPLE_URL.match(m["post"]["url"])
    return parse_ts(m["created_at"])


def test_schema_and_dates(messages):
    start = datetime(2026, 11, 19, tzinfo=timezone.utc)
    end = datetime(2026, 11, 27, tzinfo=timezone.utc)
    stamps = [check_shape(m) for m in messages]
    assert all(start <= ts < end for ts in stamps)
    assert len({ts.date() for ts in stamps}) >= 7, "messages should spread over the week"
    assert stamps == sorted(stamps), "messages are stored oldest first (ingestion order)"


def test_volume_and_channels(messages):
    assert len(messages) >= 300
    per_channel = Counter(m["channel"] for m in messages)
    assert set(per_channel) == set(CHANNELS)
    kinds = {(m["channel"], m["kind"]) for m in messages}
    assert {("facebook-ville", "private"), ("mastodon-region", "private")} <= kinds


def test_ids_unique_per_channel(messages):
    for channel in CHANNELS:
        ids = [m["external_id"] for m in messages if m["channel"] == channel]
        assert len(ids) == len(set(ids)), channel


def test_authors(messages):
    per_author = Counter((m["channel"], m["author"]["external_id"]) for m in messages)
    assert 100 <= len(per_author) <= 160
    assert sum(1 for n in per_author.values() if n > 1) >= 20, "some people write several times"
    names = defaultdict(set)
    for m in messages:
        names[(m["channel"], m["author"]["external_id"])].add(m["author"]["name"])
    assert all(len(v) == 1 for v in names.values())


def test_language_share(messages):
    share = sum(m["lang"] == "fr" for m in messages) / len(messages)
    assert 0.60 <= share <= 0.90, share
    # Crude stopword vote, to catch mislabelled entries.
    agree = total = 0
    for m in messages:
        words = re.findall(r"[a-zà-ÿ]+", m["text"].lower())
        fr, en = sum(w in FR_WORDS for w in words), sum(w in EN_WORDS for w in words)
        if fr != en:
            total += 1
            agree += (fr > en) == (m["lang"] == "fr")
    assert agree / total >= 0.95


def test_only_example_domains(messages, posts):
    texts = [m["text"] for m in messages] + [p["text"] for p in posts.values()]
    for text in texts:
        assert not REAL_DOMAIN.search(text), text
    for p in posts.values():
        assert EXAMPLE_URL.match(p["url"])


def test_referenced_posts_exist(messages, posts):
    assert 12 <= len(posts) <= 20
    assert len(posts) == len(load_demo_posts()), "post ids are unique"
    used = set()
    for m in messages:
        if m["post"] is None:
            continue
        post = posts.get(m["post"]["external_id"])
        assert post is not None, m["post"]["external_id"]
        assert post["channel"] == m["channel"] and post["url"] == m["post"]["url"]
        assert post["text"].startswith(m["post"]["text"].rstrip("…"))
        used.add(post["external_id"])
    assert used == set(posts), "every post is commented at least once"


def test_threads_consistent(messages):
    by_id = {(m["channel"], m["external_id"]): (i, m) for i, m in enumerate(messages)}
    threads = defaultdict(list)
    for m in messages:
        threads[(m["channel"], m["thread_external_id"])].append(m)
    for m in messages:
        if m["parent_external_id"] is None:
            continue
        i, parent = by_id[(m["channel"], m["parent_external_id"])]
        assert parent["thread_external_id"] == m["thread_external_id"]
        assert i < by_id[(m["channel"], m["external_id"])][0], "parent comes first"
        assert m["kind"] == "comment"
    for key, members in threads.items():
        assert len({m["kind"] for m in members}) == 1, key
        assert len({(m["post"] or {}).get("external_id") for m in members}) == 1, key
        assert members[0]["parent_external_id"] is None, key
        if members[0]["kind"] == "comment":
            assert sum(m["parent_external_id"] is None for m in members) == 1, key
    multi = [k for k, v in threads.items() if len(v) > 1]
    assert len(multi) >= 30
    assert any(len({m["author"]["external_id"] for m in threads[k]}) > 1 for k in multi)


def test_live_message_shape_and_unique_ids(messages):
    rng = random.Random(42)
    demo_ids = {m["external_id"] for m in messages}
    before = datetime.now(timezone.utc) - timedelta(seconds=2)
    generated = [random_live_message(rng) for _ in range(300)]
    after = datetime.now(timezone.utc) + timedelta(seconds=2)
    for m in generated:
        ts = check_shape(m)
        assert before <= ts <= after
        assert m["external_id"].startswith("sim-") and m["parent_external_id"] is None
    ids = [m["external_id"] for m in generated]
    assert len(set(ids)) == len(ids) and not demo_ids & set(ids)
    assert len({m["permalink"] for m in generated if m["permalink"]}) == sum(1 for m in generated if m["permalink"])
    assert {m["channel"] for m in generated} == set(CHANNELS)
    demo_texts = {m["text"] for m in messages}
    assert any(m["text"] not in demo_texts for m in generated), "texts are varied"


def test_live_message_deterministic():
    volatile = ("external_id", "thread_external_id", "created_at", "permalink")

    def stable(seed):
        rng = random.Random(seed)
        return [{k: v for k, v in random_live_message(rng).items() if k not in volatile} for _ in range(50)]

    assert stable(7) == stable(7)
    assert stable(7) != stable(8)
