"""Task heads on frozen sentence embeddings, stored without pickle.

Features per message = [L2 sentence embedding | hashed word and character n-grams of the
folded text (L2-normalised, scaled) | small rule features]. Every head is a linear model:
softmax for sentiment and urgency, one sigmoid per flag. The artefact is two files:
  heads.npz   weight arrays only (loaded with allow_pickle=False)
  heads.json  metadata: format, version, label lists, feature settings, thresholds,
              training data hash, encoder name and a probe embedding check.
Inference needs numpy only.
"""
from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import rules
from .encoder import ClassifierLoadError

FORMAT = 1
SENTIMENTS = ("negative", "neutral", "positive")
URGENCIES = ("critical", "high", "normal", "low")
FLAGS = ("toxic", "threat", "spam", "personal_data")
HASH_BUCKETS = 2 ** 13
HASH_SCALE = 1.0
PROBE_TEXT = "Parvis probe: fuite de gaz devant l'école, the town hall opens at 9am."
_TOKEN_RX = re.compile(r"[a-z0-9]+|[^\sa-z0-9.,;:!?'\"()\-]")


def tokens(text: str) -> list[str]:
    """Hashed vocabulary: folded words, word bigrams, char 3-5-grams inside words, emoji."""
    words = _TOKEN_RX.findall(rules.fold(text))
    out = [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in zip(words, words[1:])]
    for w in words:
        if len(w) >= 3 and w.isalpha():
            padded = f"<{w}>"
            for n in (3, 4, 5):
                out += [f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1)]
    return out


_CRC_WORD, _CRC_BIGRAM, _CRC_CHARS = zlib.crc32(b"w:"), zlib.crc32(b"b:"), zlib.crc32(b"c:")


def hashed_row(text: str, buckets: int = HASH_BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """The non-zero entries of one text's hashed row: (bucket indices, L2-normalised values).

    The buckets of `set(tokens(text))`, computed without building each token's string: the
    CRC-32 of a token "w:x" is the CRC-32 of "x" continued from that of "w:", and character
    n-grams are slices of the word's bytes (words are [a-z0-9]+, so one byte per character).
    tests/workers/test_rules_prefilter.py checks both give the same rows.
    """
    words = _TOKEN_RX.findall(rules.fold(text))
    crc, unique_words = zlib.crc32, set(words)
    found = [crc(w.encode("utf-8"), _CRC_WORD) for w in unique_words]
    found += [crc(f"{a} {b}".encode("utf-8"), _CRC_BIGRAM) for a, b in set(zip(words, words[1:]))]
    grams = set()
    for w in unique_words:
        if len(w) >= 3 and w.isalpha():
            padded = f"<{w}>".encode("ascii")
            for n in (3, 4, 5):
                grams.update(padded[i:i + n] for i in range(len(padded) - n + 1))
    found += [crc(gram, _CRC_CHARS) for gram in grams]
    return _normalised_row(np.array(found, dtype=np.int64) % buckets)


def hashed_row_reference(text: str, buckets: int = HASH_BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """hashed_row as the heads were trained: each token of `tokens` hashed whole."""
    return _normalised_row(np.fromiter((zlib.crc32(tok.encode("utf-8")) % buckets for tok in set(tokens(text))),
                                       dtype=np.int64))


def _normalised_row(found: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(bucket indices, L2-normalised counts) of the buckets found (a bucket found twice counts 2)."""
    index, counts = np.unique(found, return_counts=True)
    values = counts.astype(np.float32)
    norm = np.linalg.norm(values)
    return index, values / norm if norm > 0 else values


def hashed(texts: list[str], buckets: int = HASH_BUCKETS) -> np.ndarray:
    mat = np.zeros((len(texts), buckets), dtype=np.float32)
    for row, text in enumerate(texts):
        index, values = hashed_row(text, buckets)
        mat[row, index] = values
    return mat


def rule_matrix(texts: list[str], cues: list[list[rules.Cue]]) -> np.ndarray:
    return np.array([rules.features(t, c) for t, c in zip(texts, cues)], dtype=np.float32).reshape(
        len(texts), len(rules.FEATURE_NAMES))


def build_features(embeddings: np.ndarray, texts: list[str], cues: list[list[rules.Cue]],
                   buckets: int = HASH_BUCKETS, hash_scale: float = HASH_SCALE) -> np.ndarray:
    return np.hstack([embeddings.astype(np.float32), hash_scale * hashed(texts, buckets),
                      rule_matrix(texts, cues)])


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


@dataclass
class Heads:
    """Linear heads: weights[name] is (n_features, n_outputs), biases[name] is (n_outputs,)."""
    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray]
    meta: dict = field(default_factory=dict)
    probe: np.ndarray | None = None  # embedding of PROBE_TEXT by the training encoder
    _fused_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def version(self) -> str:
        return self.meta["version"]

    @property
    def thresholds(self) -> dict[str, float]:
        return self.meta["thresholds"]

    def features(self, embeddings, texts, cues) -> np.ndarray:
        f = self.meta["features"]
        return build_features(embeddings, texts, cues, f["hash_buckets"], f["hash_scale"])

    def predict(self, feats: np.ndarray) -> dict[str, np.ndarray]:
        """name -> probabilities: (n, 3) sentiment, (n, 4) urgency, (n,) per flag."""
        out = {}
        for name in ("sentiment", "urgency"):
            out[name] = softmax(feats @ self.weights[name] + self.biases[name])
        for flag in FLAGS:
            out[flag] = sigmoid(feats @ self.weights[flag] + self.biases[flag])[:, 0]
        return out

    def hashed_rows(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        return [hashed_row(text, self.meta["features"]["hash_buckets"]) for text in texts]

    def predict_texts(self, embeddings: np.ndarray, texts: list[str], cues,
                      hashed_rows=None) -> dict[str, np.ndarray]:
        """predict(features(...)) without the dense (n, hash_buckets) matrix: the hashed part of
        each text has a few hundred non-zero entries out of 8,192, so its logits are a sum of
        that many weight rows. All heads' weights are one (n_features, 15) matrix: one product.
        Measured (bench/classify.py, 64 texts): 2.1 -> 0.3 ms per message for the heads."""
        weights, biases, columns = self._fused()
        f = self.meta["features"]
        dim, buckets, scale = embeddings.shape[1], f["hash_buckets"], f["hash_scale"]
        logits = embeddings.astype(np.float32) @ weights[:dim] + rule_matrix(texts, cues) @ weights[dim + buckets:]
        hashed_weights = weights[dim:dim + buckets]
        for row, (index, values) in enumerate(hashed_rows or self.hashed_rows(texts)):
            if index.size:
                logits[row] += (scale * values) @ hashed_weights[index]
        logits += biases
        out = {}
        for name, (start, stop) in columns.items():
            part = logits[:, start:stop]
            out[name] = softmax(part) if name in ("sentiment", "urgency") else sigmoid(part)[:, 0]
        return out

    def _fused(self):
        if self._fused_cache is None:
            names = ("sentiment", "urgency", *FLAGS)
            columns, start = {}, 0
            for name in names:
                columns[name] = (start, start + self.weights[name].shape[1])
                start += self.weights[name].shape[1]
            self._fused_cache = (np.hstack([self.weights[n] for n in names]).astype(np.float32),
                                 np.concatenate([self.biases[n] for n in names]).astype(np.float32), columns)
        return self._fused_cache

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for name in self.weights:
            arrays[f"{name}.W"] = self.weights[name].astype(np.float32)
            arrays[f"{name}.b"] = self.biases[name].astype(np.float32)
        arrays["probe"] = np.asarray(self.probe, dtype=np.float32)
        np.savez_compressed(directory / "heads.npz", **arrays)
        (directory / "heads.json").write_text(
            json.dumps(self.meta, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> "Heads":
        directory = Path(directory)
        meta_path, npz_path = directory / "heads.json", directory / "heads.npz"
        for path in (meta_path, npz_path):
            if not path.is_file():
                raise ClassifierLoadError(f"heads artefact file {path} is missing")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ClassifierLoadError(f"cannot read heads metadata {meta_path}: {exc}") from exc
        if meta.get("format") != FORMAT:
            raise ClassifierLoadError(f"{meta_path}: unsupported artefact format {meta.get('format')!r}")
        try:
            with np.load(npz_path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise ClassifierLoadError(f"cannot read heads weights {npz_path}: {exc}") from exc
        weights, biases = {}, {}
        n_features = meta["encoder"]["dim"] + meta["features"]["hash_buckets"] + len(
            meta["features"]["rule_features"])
        for name in ("sentiment", "urgency", *FLAGS):
            if f"{name}.W" not in arrays:
                raise ClassifierLoadError(f"{npz_path}: no weights for head {name!r}")
            weights[name], biases[name] = arrays[f"{name}.W"], arrays[f"{name}.b"]
            if weights[name].shape[0] != n_features:
                raise ClassifierLoadError(
                    f"{npz_path}: head {name!r} expects {weights[name].shape[0]} features, "
                    f"metadata describes {n_features}")
        if list(meta["features"]["rule_features"]) != list(rules.FEATURE_NAMES):
            raise ClassifierLoadError(f"{meta_path}: rule features differ from this code's rules")
        if "probe" not in arrays:
            raise ClassifierLoadError(f"{npz_path}: no encoder probe embedding")
        return cls(weights, biases, meta, arrays["probe"])

    def check_encoder(self, encoder) -> None:
        """Refuse an encoder other than the one the heads were trained on."""
        if encoder.dim != self.meta["encoder"]["dim"]:
            raise ClassifierLoadError(
                f"encoder at {encoder.path} gives {encoder.dim}-d embeddings, heads "
                f"'{self.version}' were trained on {self.meta['encoder']['dim']}-d "
                f"({self.meta['encoder']['name']}); retrain with train-classifier")
        probe = _encode_single_threaded(encoder, PROBE_TEXT)
        cosine = float(probe @ self.probe)
        if cosine < 0.99:
            raise ClassifierLoadError(
                f"encoder at {encoder.path} is not the encoder the heads '{self.version}' were "
                f"trained on ({self.meta['encoder']['name']}, probe cosine {cosine:.3f}); "
                "retrain with train-classifier")


def _encode_single_threaded(encoder, text: str):
    """Encode one text without starting PyTorch's OpenMP thread pool.

    The worker loads the classifier, then forks its processes: a thread pool started before
    the fork would deadlock the first parallel operation in each child.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return encoder.encode([text])[0]
    finally:
        torch.set_num_threads(threads)
