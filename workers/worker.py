"""The worker entry point: load the model once, then fork a work horse per job (RQ)."""
import logging
import os
import signal
import socket
import threading
import time

import redis
from rq import Worker
from sqlalchemy.exc import OperationalError

from inbox.redis_conn import get_redis
from inbox.services.queue import ALL_QUEUES

from .app import get_app
from .classify import set_classifier

log = logging.getLogger(__name__)
SWEEP_LOCK_KEY = "parvis:sweep:lock"


def _sweep_loop(app, interval: float, stop: threading.Event) -> None:
    """Run the sweeper every `interval` seconds, once per interval across all workers."""
    from .retention import run_retention_if_due
    from .sweep import sweep

    while not stop.wait(interval):
        try:
            if get_redis(app).set(SWEEP_LOCK_KEY, socket.gethostname(), nx=True, ex=max(int(interval), 1)):
                log.info("sweep: %s", sweep())
                run_retention_if_due(app)
        except redis.RedisError as exc:
            log.warning("sweep skipped, Redis unavailable: %s", exc)
        except OperationalError as exc:
            # The database restarts or fails over: keep the sweeper alive, try again next interval.
            log.warning("sweep skipped, database unavailable: %s", exc)


def run_worker(queues=ALL_QUEUES, burst: bool = False, sweep_every: float = 15.0, name: str | None = None) -> bool:
    """Load the classifier (a load failure raises ClassifierLoadError: the worker does not start)."""
    from .classifier import Classifier

    app = get_app()
    classifier = Classifier.load()
    set_classifier(classifier)
    log.info("classifier %s loaded in worker parent process %d", classifier.version, os.getpid())
    stop = threading.Event()
    if sweep_every > 0 and not burst:
        threading.Thread(target=_sweep_loop, args=(app, sweep_every, stop), daemon=True).start()
    try:
        return _work_until_stopped(app, queues, burst, name)
    finally:
        stop.set()


def _work_until_stopped(app, queues, burst: bool, name: str | None) -> bool:
    """Run RQ's worker loop; if Redis goes away under it (RQ then quits), reconnect and go on.

    RQ leaves its loop on a lost connection; a supervisor would restart the process, but the
    classifier would then be loaded again. Staying up costs nothing: the database holds the work.
    """
    restarts = 0
    while True:
        worker = None
        try:
            worker = Worker(list(queues), connection=get_redis(app),
                            name=f"{name}-{restarts}" if name and restarts else name)
            worked = worker.work(burst=burst, logging_level="INFO")
        except redis.RedisError as exc:  # Redis is down: at start, or in RQ's teardown
            log.warning("worker lost Redis (%s)", exc)
            worked = False
        if burst or (worker is not None and worker._stop_requested):  # noqa: SLF001 (RQ's stop flag)
            return worked
        restarts += 1
        delay = min(2 ** min(restarts, 5), 30)
        log.warning("worker loop ended without a stop request; reconnecting to Redis in %ss", delay)
        # Between two RQ loops nothing is in flight: SIGTERM/SIGINT may end the process at once.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(delay)
