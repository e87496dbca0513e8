"""Classification throughput (issue #3), each figure against a baseline from the same run.

    (a) the bare batched forward pass of the encoder on the texts (no rules, no database);
    (b) the full worker path: what a `parvis worker` runs for a wake-up job
        (workers.classify.run_batches: claim a batch from the database, classify, write back,
        apply the rules, publish);
    (c) the naive path: one real RQ job per message (enqueued, taken by an RQ SimpleWorker,
        the worker's own class, in this process with the model already loaded), each job
        claiming, classifying, writing back and publishing its one message.
The paths alternate batch by batch ((c): by rounds of 256 messages), so load from elsewhere on the machine
affects them alike; inference uses the worker's thread setting (PARVIS_TORCH_THREADS) and
allocator settings. Targets: (b)/(a) >= 0.85, (b)/(c) >= 3; the worker's resident memory
with the model <= 700 MB.

    python -m bench.classify          # on its own database, <PARVIS_BENCH_DATABASE>_classify

The bare forward pass (a) runs with the classifier's own texts-per-pass setting
(Classifier.tokens_per_pass, encoder.DEFAULT_TOKENS_PER_PASS), the best the encoder does on its own.
"""
import json
import os
import subprocess
import sys
import time

from . import datagen
from .context import ROOT, Bench


def _rss_of_loaded_classifier() -> dict:
    """Resident memory (MB) of a fresh process, set up as the worker, that loaded the model and
    classified a batch: its VmRSS after the batch and its VmHWM (peak). The worker under a
    stream of messages is measured by `python -m bench --only memory`."""
    code = (
        "import json\n"
        "from workers.classify import tune_malloc, release_memory\n"
        "tune_malloc()\n"
        "from workers.worker import _limit_threads\n"
        "_limit_threads()\n"
        "from workers.classifier import Classifier\n"
        "from bench.datagen import random_texts\n"
        "c = Classifier.load()\n"
        "c.classify(random_texts(64))\n"
        "release_memory()\n"
        "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
        "mb = lambda key: round(int(status[key].split()[0]) / 1024, 1)\n"
        "print(json.dumps({'rss_mb': mb('VmRSS'), 'peak_rss_mb': mb('VmHWM')}))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _add_pending(app, texts: list[str], prefix: str) -> None:
    from inbox.extensions import db
    from inbox.models import Channel, Message
    from inbox.services.ingest import ingest_messages

    with app.app_context():
        db.session.execute(db.update(Message).where(Message.classify_status.in_(("pending", "processing")))
                           .values(classify_status="done", claim_token=None))
        db.session.commit()
        channel = Channel.query.filter_by(name="Classification bench").first()
        if channel is None:
            channel = Channel(name="Classification bench", kind="api", settings={},
                              secrets={"signing_secret": Channel.new_secret()})
            db.session.add(channel)
            db.session.commit()
        from datetime import datetime, timezone

        now = datetime.now(timezone.utc)
        for start in range(0, len(texts), 500):
            items = [{"external_id": f"{prefix}-{i}", "kind": "comment", "text": text, "created_at": now,
                      "author": {"external_id": f"{prefix}-a{i}", "name": "Citoyen"}}
                     for i, text in enumerate(texts[start:start + 500], start)]
            ingest_messages(channel, items)
        if db.engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum keeps them
            db.session.execute(db.text("ANALYZE message, conversation, conversation_cycle, author"))
            db.session.commit()


NAIVE_QUEUE = "bench-classify-one"


def one_message_job() -> int:
    """The naive design's job: classify one pending message."""
    from workers.app import app_context
    from workers.classify import classify_batch

    with app_context():
        return classify_batch(1)


def _naive_round(redis_url: str, jobs: int) -> int:
    """Enqueue `jobs` one-message jobs and let an RQ SimpleWorker run them; messages classified."""
    import logging

    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(redis_url)
    queue = Queue(NAIVE_QUEUE, connection=connection)
    enqueued = [queue.enqueue("bench.classify.one_message_job", result_ttl=60) for _ in range(jobs)]
    logging.getLogger("rq.worker").setLevel(logging.WARNING)
    SimpleWorker([queue], connection=connection).work(burst=True, logging_level="WARNING")
    done = 0
    for job in enqueued:
        job.refresh()
        if job.get_status() != "finished":
            raise RuntimeError(f"naive job {job.id} ended {job.get_status()}: {job.latest_result()}")
        done += job.return_value()
    return done


def measure(database_url: str | None = None, redis_url: str | None = None, n: int = 1024, naive: int = 256) -> dict:
    from inbox import create_app
    from workers import classify as classify_jobs
    from workers.app import set_app
    from workers.classifier import Classifier

    bench = Bench()
    redis_url = redis_url or bench.redis_url
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url or bench.sqlalchemy_url,
                      "REDIS_URL": redis_url, "LOG_FORMAT": "", "SECRET_KEY": "bench-secret-key"})
    set_app(app)
    batch = app.config["CLASSIFY_BATCH_SIZE"]
    per_round = 4 * batch
    from workers.worker import _limit_threads

    classify_jobs.tune_malloc()  # the same allocator settings and inference threads as a `parvis worker`
    _limit_threads()
    classifier = Classifier.load()
    classify_jobs.set_classifier(classifier)
    texts = datagen.random_texts(n, seed=33)
    classifier.classify(texts[:batch])  # warm-up: first-call allocations out of the timings
    stamp = time.time_ns()
    singles_per_round = max(1, naive * per_round // n)
    _add_pending(app, texts, f"clf{stamp}")

    # The paths alternate batch by batch, so a busy neighbour (or this VM's varying speed) slows
    # them alike.
    seconds = {"forward": 0.0, "forward_2": 0.0, "in_process": 0.0, "worker": 0.0, "single": 0.0}
    counts = {"worker": 0, "single": 0}
    with app.app_context():
        for start in range(0, n, batch):
            chunk = texts[start:start + batch]  # (a) takes the texts in the worker's claim size
            began = time.perf_counter()
            classifier.encoder.encode(chunk, classifier.tokens_per_pass)
            seconds["forward"] += time.perf_counter() - began
            began = time.perf_counter()
            classifier.classify(chunk)
            seconds["in_process"] += time.perf_counter() - began
            began = time.perf_counter()
            counts["worker"] += classify_jobs.run_batches(batch, max_batches=1)
            seconds["worker"] += time.perf_counter() - began
    _add_pending(app, texts[:naive], f"clf1-{stamp}")
    for start in range(0, n, per_round):
        began = time.perf_counter()
        for i in range(start, start + per_round, batch):
            classifier.encoder.encode(texts[i:i + batch], classifier.tokens_per_pass)
        seconds["forward_2"] += time.perf_counter() - began
        began = time.perf_counter()
        counts["single"] += _naive_round(redis_url, singles_per_round)
        seconds["single"] += time.perf_counter() - began
    if counts["worker"] != n:
        raise RuntimeError(f"the worker path classified {counts['worker']} of {n} messages")
    if counts["single"] != naive:
        raise RuntimeError(f"the naive path classified {counts['single']} of {naive} messages")
    forward = n / seconds["forward"]
    forward_2 = n / seconds["forward_2"]
    in_process = n / seconds["in_process"]
    worker_path = counts["worker"] / seconds["worker"]
    one_per_job = counts["single"] / seconds["single"]
    # (b) and (c) run in different passes: each is compared with the forward pass it alternated
    # with, so a change of the machine's speed between the passes cancels out.
    worker_vs_single = (worker_path / forward) / (one_per_job / forward_2)
    set_app(None)
    return {
        "messages": n, "batch_size": batch, "model_version": classifier.version,
        "encoder_dtype": classifier.encoder.dtype,
        "forward_pass": {"per_second": round(forward, 1), "per_second_during_c": round(forward_2, 1)},
        "classifier_in_process": {"per_second": round(in_process, 1)},
        "worker_path": {"per_second": round(worker_path, 1)},
        "one_rq_job_per_message": {"per_second": round(one_per_job, 1), "messages": counts["single"]},
        "ratio_worker_vs_forward": round(worker_path / forward, 2),
        "ratio_worker_vs_one_per_job": round(worker_vs_single, 2),
        "tokens_per_forward_pass": classifier.tokens_per_pass,
        **{f"classifier_{k}": v for k, v in _rss_of_loaded_classifier().items()},
    }


def main() -> None:
    import psycopg

    bench = Bench(database=Bench().database + "_classify")
    try:
        with psycopg.connect(bench.dsn) as conn:
            conn.execute("SELECT 1 FROM channel LIMIT 1")
    except psycopg.Error:
        bench.create_database()
    result = measure(bench.sqlalchemy_url, bench.redis_url)
    print(json.dumps(result, indent=2))
    print(f"(b)/(a) = {result['ratio_worker_vs_forward']} (target >= 0.85); "
          f"(b)/(c) = {result['ratio_worker_vs_one_per_job']} (target >= 3); "
          f"fresh process, model loaded + one batch: RSS {result['classifier_rss_mb']} MB, "
          f"peak {result['classifier_peak_rss_mb']} MB (target <= 700)")


if __name__ == "__main__":
    main()
