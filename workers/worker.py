"""The worker entry point: load the model once, then run jobs in this process (RQ SimpleWorker).

Why not a forked work horse per job: PyTorch's OpenMP thread pool and lingua's rayon pool are
not fork-safe. A child forked after the model is loaded hangs on its first forward pass (found
by the benchmark, issue #8). Running jobs in the process that holds the model also keeps its
warm caches and saves a fork per job; a crash is covered by the claim lease and by systemd
restarting the worker.
"""
import logging
import os
import socket
import threading

import redis
from rq import SimpleWorker

from inbox.redis_conn import get_redis
from inbox.services.queue import ALL_QUEUES

from .app import get_app
from .classify import set_classifier

log = logging.getLogger(__name__)
SWEEP_LOCK_KEY = "parvis:sweep:lock"


def _sweep_loop(app, interval: float, stop: threading.Event) -> None:
    """Run the sweeper every `interval` seconds, once per interval across all workers."""
    from .sweep import sweep

    while not stop.wait(interval):
        try:
            if get_redis(app).set(SWEEP_LOCK_KEY, socket.gethostname(), nx=True, ex=max(int(interval), 1)):
                log.info("sweep: %s", sweep())
        except redis.RedisError as exc:
            log.warning("sweep skipped, Redis unavailable: %s", exc)


def _limit_threads() -> None:
    """One inference thread per worker process by default (PARVIS_TORCH_THREADS).

    Measured by the benchmark on 2 cores: 1 thread classifies faster than 2 when anything else
    runs on the machine (no oversubscription), and throughput then scales by adding worker
    processes, one per core, on any number of hosts.
    """
    import torch

    torch.set_num_threads(int(os.environ.get("PARVIS_TORCH_THREADS", "1")))


def run_worker(queues=ALL_QUEUES, burst: bool = False, sweep_every: float = 15.0, name: str | None = None) -> bool:
    """Load the classifier (a load failure raises ClassifierLoadError: the worker does not start)."""
    from .classifier import Classifier

    app = get_app()
    _limit_threads()
    classifier = Classifier.load()
    set_classifier(classifier)
    log.info("classifier %s loaded in worker parent process %d", classifier.version, os.getpid())
    stop = threading.Event()
    if sweep_every > 0 and not burst:
        threading.Thread(target=_sweep_loop, args=(app, sweep_every, stop), daemon=True).start()
    worker = SimpleWorker(list(queues), connection=get_redis(app), name=name)
    try:
        return worker.work(burst=burst, logging_level="INFO")
    finally:
        stop.set()
