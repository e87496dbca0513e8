"""The worker entry point: load the model once, then run jobs (RQ) in one or several processes.

The classifier's weights are loaded in the parent before any fork, so worker processes share
them copy-on-write. Jobs run inside those long-lived processes (RQ's SimpleWorker), not in a
work horse forked per job: PyTorch's and lingua's thread pools do not survive a fork once
used, and a per-job fork would also pay start-up costs on every batch. A crash loses nothing:
claimed messages are reclaimed by the sweeper after their lease.

Memory (issue #3, target <= 700 MB resident with the model): glibc's allocator is tuned before
anything large is allocated (`tune_malloc`), RQ's scheduler runs as a thread of this process
instead of a forked copy of it, and a worker that does not serve the classify queue does not
load the model at all.
"""
import logging
import os
import signal
import socket
import threading
import time

import redis
from rq import SimpleWorker
from sqlalchemy.exc import OperationalError

from inbox.redis_conn import get_redis
from inbox.services.queue import ALL_QUEUES, QUEUE_CLASSIFY

from .app import get_app
from .classify import set_classifier, tune_malloc

log = logging.getLogger(__name__)
SWEEP_LOCK_KEY = "parvis:sweep:lock"
POLL_SCHEDULER_LOCK_KEY = "parvis:poll:scheduler"


def _sweep_loop(app, interval: float, stop: threading.Event) -> None:
    """Run the sweeper every `interval` seconds, once per interval across all workers."""
    from .alerts import run_alerts
    from .retention import run_retention_if_due
    from .sweep import sweep

    while not stop.wait(interval):
        try:
            if get_redis(app).set(SWEEP_LOCK_KEY, socket.gethostname(), nx=True, ex=max(int(interval), 1)):
                log.info("sweep: %s", sweep())
                run_alerts()
                run_retention_if_due(app)
        except redis.RedisError as exc:
            log.warning("sweep skipped, Redis unavailable: %s", exc)
        except OperationalError as exc:
            # The database restarts or fails over: keep the sweeper alive, try again next interval.
            log.warning("sweep skipped, database unavailable: %s", exc)


def _limit_threads() -> None:
    """One inference thread per worker process by default (PARVIS_TORCH_THREADS).

    Measured by the benchmark (issue #8) on 2 shared cores: 1 thread encodes 55 messages/s where
    2 threads manage 34 (oversubscription); throughput then scales with worker processes.
    """
    import torch

    torch.set_num_threads(int(os.environ.get("PARVIS_TORCH_THREADS", "1")))


def _poll_scheduler_loop(app, interval: float, stop: threading.Event) -> None:
    """Enqueue due channel polls every `interval` seconds, once per tick across all workers."""
    from .poll import schedule_due_polls

    while not stop.wait(interval):
        try:
            if get_redis(app).set(POLL_SCHEDULER_LOCK_KEY, socket.gethostname(), nx=True,
                                  ex=max(int(interval), 1)):
                due = schedule_due_polls()
                if due:
                    log.info("polls enqueued for channels %s", due)
        except redis.RedisError as exc:
            log.warning("poll scheduling skipped, Redis unavailable: %s", exc)


def _job_scheduler_loop(app, queues, interval: float, stop: threading.Event) -> None:
    """RQ's scheduler (retries with a backoff interval back to their queue when due), in a thread.

    `worker.work(with_scheduler=True)` would fork a scheduler process from this one, a copy of a
    process holding the model (586 MB resident measured, issue #3) that only does a few Redis
    calls per second. This drives the same RQScheduler from a thread: one lock per queue across
    all workers, a heartbeat, and due jobs enqueued every `interval` seconds.
    """
    from rq.scheduler import RQScheduler

    # RQ's interval sets lock and heartbeat lifetimes (interval + 60 s), in whole seconds.
    scheduler = RQScheduler(list(queues), connection=get_redis(app), interval=max(1, round(interval)))
    registered = False
    try:
        while True:
            try:
                if scheduler.should_reacquire_locks:
                    scheduler.acquire_locks()
                if scheduler.acquired_locks:
                    if not registered:
                        scheduler.register_birth()
                        registered = True
                    scheduler.heartbeat()
                    scheduler.enqueue_scheduled_jobs()
            except redis.RedisError as exc:
                log.warning("job scheduling skipped (Redis): %s", exc)
            except Exception:  # noqa: BLE001 - a bad job must not end scheduling for good
                log.exception("job scheduling failed; trying again next interval")
            if stop.wait(interval):
                break
    finally:
        try:
            scheduler.release_locks()
            if registered:
                scheduler.register_death()
        except redis.RedisError:
            pass


def serves_classification(queues) -> bool:
    return QUEUE_CLASSIFY in set(queues)


def run_worker(queues=ALL_QUEUES, burst: bool = False, sweep_every: float = 15.0, name: str | None = None,
               poll_every: float = 5.0, processes: int = 1, schedule_every: float = 1) -> bool:
    """Load the classifier when this worker serves the classify queue (a load failure raises
    ClassifierLoadError: the worker does not start), then work in this process, or fork
    `processes` worker processes that share the loaded model."""
    tune_malloc(serves_classification(queues))  # before the model, the app and any thread allocate
    app = get_app()
    if serves_classification(queues):
        from .classifier import Classifier

        _limit_threads()
        classifier = Classifier.load()
        set_classifier(classifier)
        log.info("classifier %s loaded in worker parent process %d", classifier.version, os.getpid())
    else:
        log.info("queues %s: no classification here, the model is not loaded", ", ".join(queues))
    stop = threading.Event()
    threads = []
    if sweep_every > 0 and not burst:
        threads.append(threading.Thread(target=_sweep_loop, args=(app, sweep_every, stop), daemon=True))
        threads.append(threading.Thread(target=_poll_scheduler_loop, args=(app, poll_every, stop), daemon=True))
    if not burst:
        threads.append(threading.Thread(target=_job_scheduler_loop, args=(app, queues, schedule_every, stop),
                                        daemon=True, name="rq-scheduler"))
    for thread in threads:
        thread.start()
    try:
        if processes <= 1:
            return _work(app, queues, burst, name)
        return _work_in_children(app, queues, burst, name, processes)
    finally:
        stop.set()


class _Worker(SimpleWorker):
    """RQ's SimpleWorker that remembers being asked to stop. RQ 3 sets `_stop_requested` only when
    the signal comes during a job; an idle worker's SIGTERM raises StopRequested instead, which the
    loop below took for a lost connection: it started again, and `systemctl stop` waited for its
    SIGKILL."""

    stop_asked = False

    def request_stop(self, signum, frame):
        self.stop_asked = True
        super().request_stop(signum, frame)


def _work(app, queues, burst: bool, name: str | None) -> bool:
    """Run RQ's worker loop; if Redis goes away under it (RQ then quits), reconnect and go on.

    RQ leaves its loop when a job's bookkeeping hits a lost connection; a supervisor would restart
    the process and load the classifier again. Staying up costs nothing: the database holds the work.
    """
    restarts = 0
    while True:
        worker = None
        try:
            worker = _Worker(list(queues), connection=get_redis(app),
                                  name=f"{name}-{restarts}" if name and restarts else name)
            # Burst mode enqueues due retries once at start (RQ's own scheduler, no process forked);
            # otherwise _job_scheduler_loop does it from a thread of the parent.
            worked = worker.work(burst=burst, logging_level="INFO", with_scheduler=burst)
        except redis.RedisError as exc:  # Redis is down: at start, or in RQ's teardown
            log.warning("worker lost Redis (%s)", exc)
            worked = False
        if burst or (worker is not None and worker.stop_asked):
            return worked
        restarts += 1
        delay = min(2 ** min(restarts, 5), 30)
        log.warning("worker loop ended without a stop request; reconnecting to Redis in %ss", delay)
        # Between two RQ loops nothing is in flight: SIGTERM/SIGINT may end the process at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(delay)


def _work_in_children(app, queues, burst: bool, name: str | None, processes: int) -> bool:
    """Fork worker processes after the model is loaded; stop them all when one fails or on SIGTERM."""
    children = []
    for index in range(processes):
        pid = os.fork()
        if pid == 0:
            app.extensions["parvis_redis"] = None  # a fresh Redis connection in the child
            child_name = f"{name or socket.gethostname()}-{os.getpid()}-{index}"
            os._exit(0 if _work(app, queues, burst, child_name) is not None else 1)
        children.append(pid)

    def forward(signum, _frame):
        for child in children:
            try:
                os.kill(child, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    ok = True
    for child in children:
        _, status = os.waitpid(child, 0)
        ok = ok and os.waitstatus_to_exitcode(status) == 0
    return ok
