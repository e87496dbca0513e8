"""Demo data: one week of citizen messages to a fictional town hall and region.

``messages.json`` holds hand-written messages (oldest first) in the exact shape
accepted by the ingestion API, plus a ``lang`` key ("fr" or "en").
``posts.json`` holds the institution posts those comments answer.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
import uuid
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from random import Random

CHANNELS = ("facebook-ville", "mastodon-region", "contact-form")

_STREETS = ("rue Pasteur", "rue Voltaire", "rue des Tilleuls", "rue Victor-Hugo",
            "allée des Charmes", "chemin des Saules", "rue de la République",
            "avenue Jean-Jaurès", "rue du Moulin", "route de Hautecourt")
_OPENERS = {"fr": ("Bonjour, ", "Bonjour ", "Bjr ", "Slt ", "Bonsoir, ", "Madame, Monsieur, "),
            "en": ("Hi, ", "Hello, ", "Hi there! ", "Good morning, ")}
_CLOSERS = {"fr": (" Merci.", " merci d'avance", " 🙏", " !!", " Cordialement.", " Bonne journée."),
            "en": (" Thanks!", " Cheers.", " 🙏", " Thank you in advance.", " Many thanks.")}
_GREETING = re.compile(r"^(bonjour|bonsoir|salut|slt|bjr|coucou|hello|hi\b|hey|good|dear|madame|monsieur|objet|@|re-)", re.I)
_FIRST = ("Camille", "Julie", "Nicolas", "Sandrine", "Loïc", "Amina", "Bastien", "Élodie", "Franck",
          "Hélène", "Jordan", "Mélanie", "Rémi", "Salomé", "Tristan", "Yasmina", "Sarah", "James", "Emily")
_LAST = ("Dupuis", "Lefèvre", "Bouchez", "Vanhoutte", "Mercier", "Benhamou", "Lemoine", "Deschamps",
         "Boulanger", "Taleb", "Wright", "Hennion", "Cousin", "Delannoy", "N'Diaye")
_INSTANCES = ("piaille.example", "toot.example", "mastodon.example", "social.example")


@lru_cache(maxsize=None)
def _load(name: str) -> tuple[dict, ...]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return tuple(json.loads(text))


def load_demo_messages() -> list[dict]:
    """Return a fresh copy of the demo messages, sorted by created_at."""
    return copy.deepcopy(list(_load("messages.json")))


def load_demo_posts() -> list[dict]:
    """Return a fresh copy of the institution posts referenced by the messages."""
    return copy.deepcopy(list(_load("posts.json")))


@lru_cache(maxsize=None)
def _thread_openers() -> tuple[dict, ...]:
    """First message of each thread: these read well without context."""
    seen, out = set(), []
    for m in _load("messages.json"):
        if m["thread_external_id"] not in seen:
            seen.add(m["thread_external_id"])
            out.append(m)
    return tuple(out)


def _slug(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", s.lower())


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def _vary_text(text: str, lang: str, rng: Random) -> str:
    streets = [s for s in _STREETS if s in text]
    if streets and rng.random() < 0.5:
        text = text.replace(rng.choice(streets), rng.choice(_STREETS))
    if rng.random() < 0.25 and not _GREETING.match(text):
        text = rng.choice(_OPENERS[lang]) + text[0].lower() + text[1:]
    if rng.random() < 0.35:
        text = text.rstrip() + rng.choice(_CLOSERS[lang])
    if lang == "fr" and rng.random() < 0.12:
        text = _strip_accents(text)
    if rng.random() < 0.1:
        text = text.lower()
    return text


def _new_author(channel: str, rng: Random) -> dict:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    if channel == "mastodon-region":
        handle = f"{_slug(first)}_{_slug(last)[:1]}@{rng.choice(_INSTANCES)}"
    elif channel == "contact-form":
        handle = f"{_slug(first)}.{_slug(last)}@{rng.choice(('mail.example', 'courriel.example'))}"
    else:
        handle = f"{_slug(first)}.{_slug(last)}.{rng.randrange(1, 100)}"
    return {"external_id": f"sim-u-{rng.getrandbits(32):08x}", "name": f"{first} {last}", "handle": handle}


def random_live_message(rng: Random) -> dict:
    """A fresh message for the live simulator, built by lightly varying a demo text.

    Deterministic given ``rng`` except for the ids, ``created_at`` and ``permalink``.
    """
    base = rng.choice(_thread_openers())
    text = _vary_text(base["text"], base["lang"], rng)
    author = dict(base["author"]) if rng.random() < 0.5 else _new_author(base["channel"], rng)
    now = datetime.now(timezone.utc)
    hex_id = uuid.uuid4().hex
    permalink = None
    if base["kind"] == "comment" and base["channel"] == "facebook-ville":
        permalink = f"{base['post']['url']}?comment_id=sim{hex_id[:16]}"
    elif base["kind"] == "comment":
        user, instance = author["handle"].split("@", 1)
        permalink = f"https://{instance}/@{user}/{int(now.timestamp() * 1000) << 16 | int(hex_id[:4], 16)}"
    return {
        "channel": base["channel"],
        "external_id": f"sim-{hex_id}",
        "thread_external_id": f"sim-t-{hex_id}",
        "parent_external_id": None,
        "kind": base["kind"],
        "text": text,
        "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "author": author,
        "permalink": permalink,
        "post": copy.deepcopy(base["post"]),
        "lang": base["lang"],
    }
