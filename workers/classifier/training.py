"""Deterministic training of the heads (sklearn at training time only).

    train(output_dir, extra_examples=()) -> summary dict

Data: the packaged train split (data/train.jsonl), staff corrections passed as
extra_examples (dicts with "text" and any of sentiment / urgency / flags; a missing label
leaves that head untouched for the row), and, when present, the public toxicity sets in
<repo>/../shared/data/public/*.jsonl (toxic head only, low weight: they are noisy).
The encoder is frozen; one forward pass embeds everything, then one logistic regression per
head is fitted with lbfgs (deterministic). Nothing depends on the date or on randomness.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from . import heads as H
from . import rules
from .encoder import Encoder

ARTEFACT_VERSION = "2026.11.1"
PACKAGE_DIR = Path(__file__).resolve().parent
ARTEFACTS_DIR = PACKAGE_DIR / "artefacts"
DATA_DIR = PACKAGE_DIR / "data"
PUBLIC_DIR = PACKAGE_DIR.parents[1].parent / "shared" / "data" / "public"
SEED = 1234

HYPER = {
    "C": 4.0,                    # inverse L2 strength, all heads
    "max_iter": 3000,
    "public_weight": 0.25,       # weight of one noisy public toxicity row
    "extra_weight": 3.0,         # weight of one staff correction
    "sentiment_class_weight": {"negative": 1.0, "neutral": 1.5, "positive": 3.0},
    "urgency_class_weight": {"critical": 2.0, "high": 1.5, "normal": 1.0, "low": 1.0},
    "flag_positive_weight": 2.0,
}
# Chosen by 5-fold grouped cross-validation on the train split (favouring critical recall).
THRESHOLDS = {
    # urgency: critical when a strong rule cue fires, or when p(critical) >= this
    "critical": 0.40,
    # a weak cue (past/hypothetical wording) needs p(critical) >= this
    "critical_weak_cue": 0.25,
    "toxic": 0.5, "threat": 0.5, "spam": 0.5, "personal_data": 0.8,
}


def read_jsonl(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_public(public_dir: Path | None) -> list[dict]:
    if public_dir is None or not Path(public_dir).is_dir():
        return []
    rows = []
    for path in sorted(Path(public_dir).glob("*.jsonl")):
        for row in read_jsonl(path):
            if row.get("text") and row.get("label") in ("toxic", "not_toxic"):
                rows.append({"text": row["text"], "lang": row.get("lang"),
                             "toxic": row["label"] == "toxic"})
    return rows


def _fit(X: np.ndarray, y: np.ndarray, weights: np.ndarray, labels: tuple[str, ...] | None):
    """Fit one logistic regression, return (W (n_features, k), b (k,))."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=HYPER["C"], max_iter=HYPER["max_iter"], solver="lbfgs",
                               random_state=SEED, tol=1e-4)
    model.fit(X, y, sample_weight=weights)
    if labels is None:  # binary: classes_ are [0, 1]
        return model.coef_.T.astype(np.float32), model.intercept_.astype(np.float32)
    order = [list(model.classes_).index(label) for label in labels]
    return model.coef_[order].T.astype(np.float32), model.intercept_[order].astype(np.float32)


def _hash_data(parts: list) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def fit_heads(X: np.ndarray, own: list[dict], extra: list[dict], public: list[dict]) -> tuple[dict, dict]:
    """Fit all heads. X rows are ordered own + extra + public."""
    n_own, n_extra = len(own), len(extra)
    # urgency and flag heads do not see the rule decisions (see rules.DECISION_FEATURES)
    start = X.shape[1] - len(rules.FEATURE_NAMES)
    X_text = X.copy()
    X_text[:, [start + rules.FEATURE_NAMES.index(n) for n in rules.DECISION_FEATURES]] = 0.0
    labelled = own + extra
    base_w = np.array([1.0] * n_own + [HYPER["extra_weight"]] * n_extra)
    weights, biases = {}, {}

    def rows_with(key):
        return [i for i, r in enumerate(labelled) if r.get(key) is not None]

    idx = rows_with("sentiment")
    y = np.array([labelled[i]["sentiment"] for i in idx])
    cw = np.array([HYPER["sentiment_class_weight"][s] for s in y])
    weights["sentiment"], biases["sentiment"] = _fit(X[idx], y, base_w[idx] * cw, H.SENTIMENTS)

    idx = rows_with("urgency")
    y = np.array([labelled[i]["urgency"] for i in idx])
    cw = np.array([HYPER["urgency_class_weight"][u] for u in y])
    weights["urgency"], biases["urgency"] = _fit(X_text[idx], y, base_w[idx] * cw, H.URGENCIES)

    idx = rows_with("flags")
    for flag in H.FLAGS:
        y = np.array([int(flag in labelled[i]["flags"]) for i in idx])
        w = base_w[idx] * np.where(y == 1, HYPER["flag_positive_weight"], 1.0)
        Xf = X_text[idx]
        if flag == "toxic" and public:
            pub = np.arange(len(labelled), len(labelled) + len(public))
            Xf = np.vstack([Xf, X_text[pub]])
            y = np.concatenate([y, [int(r["toxic"]) for r in public]])
            w = np.concatenate([w, np.full(len(public), HYPER["public_weight"])])
        weights[flag], biases[flag] = _fit(Xf, y, w, None)
    return weights, biases


def train(output_dir, extra_examples=(), *, model_path=None, train_rows: list[dict] | None = None,
          public_dir: Path | None = PUBLIC_DIR, encoder: Encoder | None = None,
          hash_buckets: int = H.HASH_BUCKETS) -> dict:
    """Train the heads and write heads.npz + heads.json into output_dir. Returns a summary."""
    own = list(train_rows) if train_rows is not None else read_jsonl(DATA_DIR / "train.jsonl")
    extra = [dict(e) for e in extra_examples]
    for e in extra:
        if not isinstance(e.get("text"), str) or not e["text"].strip():
            raise ValueError(f"extra example without text: {e!r}")
    public = load_public(public_dir)
    encoder = encoder or Encoder.load(model_path, dtype="float32")  # an artefact independent of the CPU

    texts = [r["text"] for r in own + extra + public]
    embeddings = encoder.encode(texts)
    cues = [rules.scan(t) for t in texts]
    X = H.build_features(embeddings, texts, cues, hash_buckets)
    weights, biases = fit_heads(X, own, extra, public)

    keep = ("text", "sentiment", "urgency", "flags")
    data_hash = _hash_data([[{k: r.get(k) for k in keep} for r in own + extra],
                            [[r["text"], r["toxic"]] for r in public], HYPER, hash_buckets])
    meta = {
        "format": H.FORMAT,
        "version": ARTEFACT_VERSION,
        "labels": {"sentiment": list(H.SENTIMENTS), "urgency": list(H.URGENCIES),
                   "flags": list(H.FLAGS)},
        "features": {"hash_buckets": hash_buckets, "hash_scale": H.HASH_SCALE,
                     "rule_features": list(rules.FEATURE_NAMES)},
        "encoder": {"name": encoder.name, "dim": encoder.dim, "probe_text": H.PROBE_TEXT},
        "thresholds": dict(THRESHOLDS),
        "hyperparameters": HYPER,
        "training": {"data_sha256": data_hash, "own_rows": len(own), "extra_rows": len(extra),
                     "public_rows": len(public)},
    }
    probe = encoder.encode([H.PROBE_TEXT])[0]
    heads = H.Heads(weights, biases, meta, probe)
    output_dir = Path(output_dir)
    heads.save(output_dir)
    if output_dir.resolve().parent == ARTEFACTS_DIR.resolve():
        (ARTEFACTS_DIR / "CURRENT.txt").write_text(output_dir.name + "\n", encoding="utf-8")
    return {"output": str(output_dir), "version": ARTEFACT_VERSION, **meta["training"],
            "size_bytes": sum(os.path.getsize(output_dir / f) for f in ("heads.npz", "heads.json"))}
