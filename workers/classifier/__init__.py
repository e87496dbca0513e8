"""Parvis message classifier: sentiment, urgency and moderation flags.

    from workers.classifier import Classifier
    clf = Classifier.load()
    clf.classify(["Fuite de gaz devant l'école !"])[0].urgency  # "critical"

A frozen sentence encoder (transformers, local files only) feeds small linear heads
(numpy at inference); transparent rules (rules.py) then raise urgency to critical on
emergency, threat and self-harm cues, and drive the personal-data, spam, threat and insult
flags. No Flask, no network. Loading never falls back silently: ClassifierLoadError.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import rules
from .encoder import DEFAULT_TOKENS_PER_PASS, ClassifierLoadError, Encoder, SentimentModel
from .heads import FLAGS, SENTIMENTS, URGENCIES, Heads

__all__ = ["Classifier", "Classification", "ClassifierLoadError"]

ARTEFACTS_DIR = Path(__file__).resolve().parent / "artefacts"
RULE_CONFIDENCE = 0.95
_CRITICAL_KINDS = {"emergency": "emergency cue", "self_harm": "self-harm cue", "threat": "threat cue"}


@dataclass
class Classification:
    sentiment: str
    sentiment_score: float
    urgency: str
    urgency_score: float
    flags: list[str]
    flag_scores: dict[str, float]
    language: str | None
    explanation: list[str]
    model_version: str

    def as_dict(self) -> dict:
        return asdict(self)


def default_heads_path() -> Path:
    """PARVIS_HEADS_PATH, else artefacts/<name in artefacts/CURRENT.txt>."""
    env = os.environ.get("PARVIS_HEADS_PATH")
    if env:
        return Path(env)
    pointer = ARTEFACTS_DIR / "CURRENT.txt"
    if not pointer.is_file():
        raise ClassifierLoadError(f"no heads path given and {pointer} is missing")
    return ARTEFACTS_DIR / pointer.read_text(encoding="utf-8").strip()


class LanguageDetector:
    """lingua restricted to a handful of European languages; None when too short/unsure.

    Low-accuracy mode (trigram models only) costs ~25 MB instead of ~250 MB of RSS for the
    full models, for 98.1% vs 98.8% accuracy on Parvis's test split.
    """
    MIN_LETTERS = 4

    def __init__(self):
        # Built on first use, in the process that uses it: lingua's thread pool (rayon) does not
        # survive a fork, and the worker forks its processes after loading the classifier.
        self._detector = None

    def _build(self):
        from lingua import Language, LanguageDetectorBuilder

        languages = [Language.FRENCH, Language.ENGLISH, Language.GERMAN, Language.SPANISH,
                     Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH]
        return (LanguageDetectorBuilder.from_languages(*languages)
                .with_low_accuracy_mode().with_preloaded_language_models().build())

    def detect(self, texts: list[str]) -> list[str | None]:
        if self._detector is None:
            self._detector = self._build()
        out: list[str | None] = [None] * len(texts)
        idx = [i for i, t in enumerate(texts) if sum(c.isalpha() for c in t) >= self.MIN_LETTERS]
        found = self._detector.detect_languages_in_parallel_of([texts[i] for i in idx])
        for i, lang in zip(idx, found):
            out[i] = lang.iso_code_639_1.name.lower() if lang is not None else None
        return out


class Classifier:
    def __init__(self, encoder: Encoder, heads: Heads, sentiment_model: SentimentModel | None = None,
                 tokens_per_pass: int = DEFAULT_TOKENS_PER_PASS):
        self.encoder, self.heads, self.sentiment_model = encoder, heads, sentiment_model
        self.tokens_per_pass = tokens_per_pass
        self.languages = LanguageDetector()
        self.version = f"{encoder.name}-heads-{heads.version}"
        if sentiment_model is not None:
            self.version += f"+sentiment-{sentiment_model.path.name}"

    @classmethod
    def load(cls, model_path=None, heads_path=None, sentiment_model_path=None) -> "Classifier":
        heads_path = Path(heads_path) if heads_path is not None else default_heads_path()
        heads = Heads.load(heads_path)
        encoder = Encoder.load(model_path)
        heads.check_encoder(encoder)
        sentiment_model_path = sentiment_model_path or os.environ.get("PARVIS_SENTIMENT_MODEL")
        sentiment = SentimentModel.load(sentiment_model_path) if sentiment_model_path else None
        rules.PREFILTER.prepare()  # here, before the worker forks its processes, not on the first message
        return cls(encoder, heads, sentiment)

    def classify(self, texts: list[str]) -> list[Classification]:
        texts = [t if isinstance(t, str) else str(t) for t in texts]
        if not texts:
            return []
        # Serial on purpose: running the text side (rules, hashed n-grams, language) in a helper
        # thread during the forward pass was measured slower (GIL contention; bench/classify.py).
        cues = [rules.scan(t) for t in texts]
        embeddings = self.encoder.encode(texts, self.tokens_per_pass)
        probs = self.heads.predict_texts(embeddings, texts, cues)
        if self.sentiment_model is not None:
            probs["sentiment"] = self.sentiment_model.predict(texts, self.tokens_per_pass)
        languages = self.languages.detect(texts)
        return [self._combine(i, cues[i], probs, languages[i]) for i in range(len(texts))]

    def _combine(self, i: int, cues: list[rules.Cue], probs: dict, language) -> Classification:
        th = self.heads.thresholds
        explanation: list[str] = []
        sent_p = probs["sentiment"][i]
        s = int(np.argmax(sent_p))

        urg_p = probs["urgency"][i]
        p_crit = float(urg_p[0])
        strong = [c for c in cues if c.kind in _CRITICAL_KINDS and c.strong]
        weak = [c for c in cues if c.kind == "emergency" and not c.strong]
        if strong:
            urgency, u_score = "critical", max(p_crit, RULE_CONFIDENCE)
            explanation += [f"urgency critical: {_CRITICAL_KINDS[c.kind]} \u00ab {c.quote} \u00bb"
                            for c in strong]
        elif weak and p_crit >= th["critical_weak_cue"]:
            urgency, u_score = "critical", p_crit
            explanation += [f"urgency critical: emergency cue \u00ab {c.quote} \u00bb (model {p_crit:.2f})"
                            for c in weak]
        elif p_crit >= th["critical"]:
            urgency, u_score = "critical", p_crit
            explanation.append(f"urgency critical: model {p_crit:.2f}")
        else:
            j = 1 + int(np.argmax(urg_p[1:]))
            urgency, u_score = URGENCIES[j], float(urg_p[j])
            if urgency == "high":
                explanation.append(f"urgency high: model {u_score:.2f}")
                explanation += [f"urgency high: {c.describe()}" for c in cues if c.kind == "high"][:2]

        flag_scores, flags = {}, []
        by_kind = {k: [c for c in cues if c.kind == k] for k in ("threat", "personal_data", "spam", "insult")}
        rule_hit = {
            "toxic": by_kind["insult"],
            "threat": by_kind["threat"],
            "spam": [c for c in by_kind["spam"] if c.strong] or (
                by_kind["spam"] if len(by_kind["spam"]) >= 2 else []),
            "personal_data": by_kind["personal_data"],
        }
        for flag in FLAGS:
            p = float(probs[flag][i])
            hits = rule_hit[flag]
            flag_scores[flag] = round(max(p, RULE_CONFIDENCE) if hits else p, 4)
            if hits:
                flags.append(flag)
                explanation += [f"{flag}: {c.describe()}" for c in hits[:3]]
            elif p >= th[flag]:
                flags.append(flag)
                explanation.append(f"{flag}: model {p:.2f}")
        return Classification(
            sentiment=SENTIMENTS[s], sentiment_score=round(float(sent_p[s]), 4),
            urgency=urgency, urgency_score=round(float(u_score), 4), flags=flags,
            flag_scores=flag_scores, language=language, explanation=explanation,
            model_version=self.version)
