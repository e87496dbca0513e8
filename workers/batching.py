"""How many pending messages the classify job claims at a time (issue #8).

Short queue: latency. Every message of a batch gets its result (and its live event) when the
whole batch is done, so a batch of 64 on a slow machine keeps the first message waiting for
all 64 forward passes. While the queue is short the job claims batches that take about
CLASSIFY_BATCH_SECONDS, sized from the time per message measured on the previous batches
(on a CPU the forward pass costs about the same per message from a handful of messages up).

Long queue: throughput. When more messages wait than a few of those batches would clear,
latency is lost anyway; the job claims full batches of CLASSIFY_BATCH_SIZE, which spread the
per-batch costs (claim, commit, conversation refresh) over more messages.
"""
import time

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import Message

MIN_BATCH = 4
# Weight of the newest batch in the running estimate of seconds per message.
SMOOTHING = 0.3


class BatchSizer:
    def __init__(self, large: int, target_seconds: float, backlog_batches: int = 4):
        self.large = max(int(large), 1)
        self.target_seconds = float(target_seconds)
        self.backlog_batches = backlog_batches
        self.seconds_per_message: float | None = None

    def latency_size(self) -> int:
        """The batch that takes about target_seconds at the measured speed."""
        if self.seconds_per_message is None or self.target_seconds <= 0:
            return min(self.large, MIN_BATCH * 2)
        return max(min(int(self.target_seconds / self.seconds_per_message), self.large), min(MIN_BATCH, self.large))

    def next_size(self, pending: int) -> int:
        small = self.latency_size()
        return self.large if pending > small * self.backlog_batches else small

    def observe(self, messages: int, seconds: float) -> None:
        if messages <= 0 or seconds <= 0:
            return
        per_message = seconds / messages
        if self.seconds_per_message is None:
            self.seconds_per_message = per_message
        else:
            self.seconds_per_message += SMOOTHING * (per_message - self.seconds_per_message)


def pending_count(limit: int) -> int:
    """Messages waiting for classification, counted up to `limit` (the partial index: cheap)."""
    waiting = select(Message.id).where(Message.classify_status == "pending").limit(limit).subquery()
    return db.session.scalar(select(func.count()).select_from(waiting))


_sizers: dict[tuple, BatchSizer] = {}


def sizer_for(large: int, target_seconds: float) -> BatchSizer:
    """One sizer per worker process and setting: its speed estimate outlives a job."""
    key = (large, target_seconds)
    if key not in _sizers:
        _sizers[key] = BatchSizer(large, target_seconds)
    return _sizers[key]


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        return False
