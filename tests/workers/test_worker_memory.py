"""Worker memory (issue #3): processes that do not classify do not hold the model.

No figures here (the benchmark measures them: `python -m bench --only memory`); these tests check
the behaviour the figures rely on: a worker that does not serve the classify queue does not load
the model, the worker forks no scheduler process (RQ's scheduler is a thread), and that thread
still moves due retries back to their queue.
"""
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import psutil
import pytest
from rq import Queue, Worker

from inbox.redis_conn import get_redis
from inbox.services.queue import QUEUE_DELIVER, QUEUE_MAINTENANCE
from tests.e2e.conftest import wait_for
from workers import classify
from workers.worker import _job_scheduler_loop


def _worker(app, tmp_path, *args, **env):
    environ = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
                   SECRET_KEY=app.config["SECRET_KEY"], PARVIS_INSTANCE=str(tmp_path / "instance"),
                   PARVIS_LOG_FORMAT="text", **env)
    return subprocess.Popen([sys.executable, "-m", "workers", "worker", *args], env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_worker_without_the_classify_queue_does_not_load_the_model(app, tmp_path):
    missing = str(tmp_path / "no-model-here")
    # With the classify queue, the missing model stops the worker (nothing is silently skipped) ...
    with_classify = _worker(app, tmp_path, "--burst", PARVIS_MODEL_PATH=missing)
    out, _ = with_classify.communicate(timeout=120)
    assert with_classify.returncode != 0 and "could not be loaded" in out
    # ... without it, the model is never looked at: the same missing path does not matter.
    deliver_only = _worker(app, tmp_path, "--burst", "--queue", QUEUE_DELIVER, "--queue", QUEUE_MAINTENANCE,
                           PARVIS_MODEL_PATH=missing)
    out, _ = deliver_only.communicate(timeout=120)
    assert deliver_only.returncode == 0, out
    assert "the model is not loaded" in out


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_worker_forks_no_scheduler_process(app, tmp_path, redis_client):
    worker = _worker(app, tmp_path, "--name", "memory-test", "--sweep-every", "0")
    try:
        wait_for(lambda: worker.poll() is not None or any(w.name == "memory-test" for w in
                                                          Worker.all(connection=redis_client)),
                 timeout=180, message="the worker to load the model and register")
        assert worker.poll() is None, worker.stdout.read()
        # RQ's scheduler lock is held (by the thread), yet the worker has no child process.
        wait_for(lambda: redis_client.exists("rq:scheduler-lock:classify"), timeout=30,
                 message="the scheduler lock")
        assert psutil.Process(worker.pid).children(recursive=True) == []
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_scheduler_thread_moves_due_retries_back_to_their_queue(app):
    queue = Queue(QUEUE_MAINTENANCE, connection=get_redis(app))
    job = queue.enqueue_in(timedelta(seconds=1), "workers.sweep.sweep")
    assert job.id not in queue.job_ids  # scheduled, not queued yet
    stop = threading.Event()
    thread = threading.Thread(target=_job_scheduler_loop, args=(app, [QUEUE_MAINTENANCE], 0.2, stop), daemon=True)
    thread.start()
    try:
        wait_for(lambda: job.id in queue.job_ids, timeout=20, message="the due job back in its queue")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert not get_redis(app).exists("rq:scheduler-lock:" + QUEUE_MAINTENANCE)  # released on stop


def test_tune_malloc_respects_the_operators_environment(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    monkeypatch.setenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64")
    assert classify.tune_malloc() == {}
    assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == "64"


def test_tune_malloc_bounds_onednn_kernel_cache(monkeypatch):
    monkeypatch.setenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "x")  # restored (removed) after the test
    monkeypatch.delenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY")
    applied = classify.tune_malloc()
    assert applied["onednn_primitive_cache"] == 8
    assert os.environ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] == "8"


@pytest.mark.parametrize(("dtype", "threshold"), [("float32", 8 << 20), ("bfloat16", 1 << 20), ("nonsense", 1 << 20)])
def test_tune_malloc_sets_the_mmap_threshold_for_the_encoder_dtype(monkeypatch, dtype, threshold):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.setenv("PARVIS_ENCODER_DTYPE", dtype)
    assert classify.mmap_threshold_bytes() == threshold
    applied = classify.tune_malloc()
    assert applied["mmap_threshold"] == threshold


@pytest.mark.parametrize(("native", "threshold"), [(True, 1 << 20), (False, 8 << 20)])
def test_mmap_threshold_follows_the_cpu_when_the_dtype_is_auto(monkeypatch, native, threshold):
    from workers.classifier import encoder

    monkeypatch.delenv("PARVIS_ENCODER_DTYPE", raising=False)
    monkeypatch.setattr(encoder, "native_bfloat16", lambda: native)
    assert classify.mmap_threshold_bytes() == threshold


def test_tune_malloc_without_the_model_does_not_probe_the_cpu(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.setattr(classify, "mmap_threshold_bytes", lambda: pytest.fail("probed the CPU"))
    assert classify.tune_malloc(loads_model=False)["mmap_threshold"] == 1 << 20
