"""Classification jobs: claim a batch of pending messages, one forward pass, write back, publish."""
import ctypes
import logging
import os
import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, select, update

from inbox import observability
from inbox.extensions import db
from inbox.models import Message
from inbox.models.base import utcnow
from inbox.services import events, queue
from inbox.services.conversations import refresh_classification
from inbox.services.rules import apply_rules

from .app import app_context

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
_classifier = None


def set_classifier(classifier) -> None:
    """Install the classifier loaded by the worker's parent process (shared by forked children)."""
    global _classifier
    _classifier = classifier


def get_classifier():
    global _classifier
    if _classifier is None:
        from .classifier import Classifier

        _classifier = Classifier.load()
    return _classifier


class Claimed(NamedTuple):
    """What the worker needs of a claimed message (no ORM object: 64 of them cost 1-2 ms)."""
    id: int
    conversation_id: int
    body: str
    received_at: datetime
    classify_attempts: int


def claim_batch(size: int) -> tuple[str, list[Claimed]]:
    """Mark up to `size` pending messages as ours; several workers never take the same one.

    One UPDATE ... RETURNING of the columns the worker uses, committed at once, so no
    transaction stays open during the forward pass (on SQLite it would hold the write lock).

    PostgreSQL: the candidate rows are locked with FOR UPDATE SKIP LOCKED. SQLite: the single
    UPDATE is atomic because SQLite serialises writers.
    """
    token = str(uuid.uuid4())
    candidates = (
        select(Message.id)
        .where(Message.classify_status == "pending")
        .order_by(Message.received_at, Message.id)
        .limit(size)
    )
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    rows = db.session.execute(
        update(Message)
        .where(Message.id.in_(candidates.scalar_subquery()))
        .values(classify_status="processing", claim_token=token, claimed_at=utcnow(),
                classify_attempts=Message.classify_attempts + 1)
        .returning(Message.id, Message.conversation_id, Message.body, Message.received_at,
                   Message.classify_attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return token, sorted((Claimed(*row) for row in rows), key=lambda m: (m.received_at, m.id))


def write_results(token: str, messages: list[Claimed], results) -> int:
    """Store results only for messages still claimed by this token (a reclaimed batch is not ours).

    One UPDATE statement executed for the whole batch (executemany), then the conversations'
    urgency, sentiment, flag and SLA deadlines refreshed with set-based queries.
    """
    if not messages:
        return 0
    table = Message.__table__
    now = utcnow()
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.claim_token == token,
               table.c.classify_status == "processing")
        .values(classify_status="done", classify_error=None, claim_token=None, classified_at=now,
                classification_writes=table.c.classification_writes + 1,
                **{name: bindparam(f"b_{name}") for name in _RESULT_COLUMNS})
    )
    rows = [{"b_id": message.id, **{f"b_{name}": value for name, value in _result_values(result).items()}}
            for message, result in zip(messages, results)]
    written = db.session.execute(statement, rows).rowcount
    refresh_classification(m.conversation_id for m in messages)
    db.session.commit()
    return written


_RESULT_COLUMNS = ("sentiment", "sentiment_score", "urgency", "urgency_score", "flag_toxic", "flag_threat",
                   "flag_spam", "flag_personal_data", "flag_scores", "explanation", "language", "model_version")


def _result_values(result) -> dict:
    return {
        "sentiment": result.sentiment, "sentiment_score": result.sentiment_score,
        "urgency": result.urgency, "urgency_score": result.urgency_score,
        "flag_toxic": "toxic" in result.flags, "flag_threat": "threat" in result.flags,
        "flag_spam": "spam" in result.flags, "flag_personal_data": "personal_data" in result.flags,
        "flag_scores": result.flag_scores, "explanation": result.explanation,
        "language": result.language, "model_version": result.model_version,
    }


def release_failed(token: str, messages: list[Claimed], error: str) -> None:
    """Give a failed batch back: pending again, or failed for good after MAX_ATTEMPTS."""
    for message in messages:
        final = message.classify_attempts >= MAX_ATTEMPTS
        db.session.execute(
            update(Message).where(Message.id == message.id, Message.claim_token == token).values(
                classify_status="failed" if final else "pending", classify_error=error[:2000],
                claim_token=None,
            ).execution_options(synchronize_session=False))
    db.session.commit()


def _claim_and_classify(size: int):
    """Claim a batch and classify it: (token, messages, results), or None when nothing is pending."""
    token, messages = claim_batch(size)
    if not messages:
        return None
    texts = [m.body for m in messages]
    try:
        results = get_classifier().classify(texts)
    except (RuntimeError, ValueError, MemoryError) as exc:
        log.error("classification of %d messages failed: %s", len(messages), exc)
        release_failed(token, messages, f"{type(exc).__name__}: {exc}")
        raise
    return token, messages, results


def _finish(token: str, messages: list[Claimed], results) -> int:
    """Write back, count, apply the rules, publish: what follows a forward pass."""
    written = write_results(token, messages, results)
    now = utcnow()
    observability.count("messages_classified", written)
    observability.observe("classification_latency_seconds", [(now - m.received_at).total_seconds() for m in messages])
    # Rules act on the fresh classification; they never run from their own actions (no loop).
    apply_rules([m.id for m in messages])
    events.publish_many("message.classified", ({"message_id": m.id, "conversation_id": m.conversation_id}
                                               for m in messages))
    return written


def classify_batch(size: int) -> int:
    """Claim, classify and write back one batch; return how many messages were classified."""
    batch = _claim_and_classify(size)
    return _finish(*batch) if batch else 0


def run_batches(size: int, max_batches: int | None = None) -> int:
    """Classify pending messages batch after batch until a batch is not full (or max_batches).

    One batch at a time: overlapping the write-back of a batch with the next forward pass in a
    second thread was measured slower (115-126 vs 130 messages/s, bench/classify.py): the
    write-back is Python work that competes with the forward pass for the GIL.
    """
    total, batches = 0, 0
    while True:
        batch = _claim_and_classify(size)
        if batch is None:
            return total
        total += _finish(*batch)
        release_memory()
        batches += 1
        if len(batch[1]) < size or (max_batches is not None and batches >= max_batches):
            return total
        # A full batch: there may be more; let another idle worker help.
        queue.wake_classifier()


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, macOS): nothing to tune
        return None


M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1 << 20  # bfloat16 encoder
FLOAT32_MMAP_THRESHOLD_BYTES = 8 << 20
ONEDNN_CACHE_CAPACITY = 8


def tune_malloc(loads_model: bool = True) -> dict:
    """Tune glibc's allocator for a process that runs a model; call it early (the worker's entry).

    - A fixed mmap threshold (`mmap_threshold_bytes`): activations above it are mapped and
      unmapped, so their memory goes back to the system as soon as they are freed; the smaller
      ones come from the heap, which `release_memory` trims after every batch. By default glibc
      raises the threshold dynamically up to 32 MiB after the first such frees and does not trim
      the heap it then keeps.
    - At most 2 malloc arenas: lingua's and PyTorch's thread pools and the worker's threads
      would otherwise each get their own arena (up to 8 per core), each holding freed memory.
    - oneDNN keeps at most 8 compiled kernels (ONEDNN_PRIMITIVE_CACHE_CAPACITY, default 1024):
      the bfloat16 encoder runs through oneDNN, which compiles a kernel per input shape (batch x
      padded length) and keeps each with its scratch memory. Measured with `python -m
      bench.memory --seconds 30`: worker peak 703 MB with the default cache, 618 MB with 8;
      encoding speed unchanged within noise (155-174 vs 148-172 messages/s).
    Environment variables set by the operator (MALLOC_MMAP_THRESHOLD_, MALLOC_ARENA_MAX,
    ONEDNN_PRIMITIVE_CACHE_CAPACITY) win. Measured (issue #3): peak resident memory of a process
    classifying batches of 1-64 texts, 608 -> 545 MB; no measurable change in throughput.
    """
    applied = {}
    if "ONEDNN_PRIMITIVE_CACHE_CAPACITY" not in os.environ:  # read when oneDNN first runs
        os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] = str(ONEDNN_CACHE_CAPACITY)
        applied["onednn_primitive_cache"] = ONEDNN_CACHE_CAPACITY
    libc = _libc()
    if libc is None:
        return applied
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        # A worker that loads no model keeps torch out of its process (no CPU probe).
        threshold = mmap_threshold_bytes() if loads_model else MMAP_THRESHOLD_BYTES
        if libc.mallopt(M_MMAP_THRESHOLD, threshold):
            applied["mmap_threshold"] = threshold
    if "MALLOC_ARENA_MAX" not in os.environ and libc.mallopt(M_ARENA_MAX, 2):
        applied["arena_max"] = 2
    return applied


def mmap_threshold_bytes() -> int:
    """The mmap threshold for the encoder's inference dtype (PARVIS_ENCODER_DTYPE, auto).

    bfloat16 (a CPU with AMX or AVX-512 BF16): 1 MiB, the value measured for issue #3 (peak
    resident memory of a process classifying batches of 1-64 texts 608 -> 545 MB); its
    activations are half as large. float32 (every other CPU): 8 MiB. Its activations are twice as large, mostly 1-8 MB for 16
    texts per pass, and every mapping of one costs a page fault per 4 KiB touched. Measured on an
    AVX2 machine (2 vCPUs, float32, 16 texts per pass, 1,024 of the bench's texts, separate
    processes alternating; docs/performance.md): 1 MiB 35.8-39.3 messages/s,
    8 MiB 46.0-47.1; the worker's peak under `python -m bench.memory` 605.7 -> 631.0 MB.
    """
    from .classifier.encoder import ClassifierLoadError, inference_dtype

    try:
        dtype = inference_dtype()
    except ClassifierLoadError:  # a bad PARVIS_ENCODER_DTYPE: the model load reports it
        return MMAP_THRESHOLD_BYTES
    return MMAP_THRESHOLD_BYTES if str(dtype) == "torch.bfloat16" else FLOAT32_MMAP_THRESHOLD_BYTES


def release_memory() -> None:
    """Give freed heap back to the system after a batch (glibc only).

    Batches of varying shapes fragment the heap: measured by the benchmark, a worker grew from
    690 MB to 1.2 GB after 60 batches of random sizes, and back to 690 MB after malloc_trim.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def classify_pending() -> int:
    """Job: classify pending messages until none is left. Returns the number classified."""
    with app_context():
        queue.get_queue(queue.QUEUE_CLASSIFY).connection.delete(queue.CLASSIFY_WAKEUP_KEY)
        total = run_batches(current_app.config["CLASSIFY_BATCH_SIZE"])
        release_memory()
        return total


def reclaim_stale(lease_seconds: int) -> int:
    """Put back messages claimed by a worker that died before writing its results."""
    cutoff = utcnow() - timedelta(seconds=lease_seconds)
    result = db.session.execute(
        update(Message).where(Message.classify_status == "processing", Message.claimed_at < cutoff)
        .values(classify_status="pending", claim_token=None).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
