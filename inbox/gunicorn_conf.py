"""gunicorn settings for Parvis, one file for both of its web roles (docs/deploy.md).

    gunicorn -c python:inbox.gunicorn_conf wsgi:app                # pages and API (gthread)
    gunicorn -c python:inbox.gunicorn_conf -k gevent wsgi:app      # live updates, /events

The pages and the API run in gthread workers: each request takes one of a fixed number of
threads for a few milliseconds. A live-update stream (server-sent events) stays open as long as
its page does, so nginx sends /events to a second gunicorn with gevent workers, where an open
page costs one greenlet (`worker_connections` of them per process; the process holds one Redis
subscription for all of them).
A gthread worker still answers /events when nothing routes it elsewhere (a single-server setup),
but keeps half of its threads for other requests and answers 503 beyond (services/live.py).

Every setting can be overridden on the command line (`-w 4 --threads 32 -b ...`) or with the
environment variables below; the worker reports its real thread count to the application.
This module imports nothing of the application: gevent patches the standard library in each
worker before the application is loaded.
"""
import os

bind = os.environ.get("PARVIS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("PARVIS_WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("PARVIS_WEB_THREADS", "16"))
# gevent workers (/events): open pages per process.
worker_connections = int(os.environ.get("PARVIS_EVENTS_CONNECTIONS", "1000"))


def post_worker_init(worker):
    """Tell the application how many threads this worker has (services/live.py reads it), and end
    its live streams as soon as it is asked to stop."""
    os.environ["PARVIS_SERVER_THREADS"] = str(worker.cfg.threads)
    _end_streams_on_stop()


def _end_streams_on_stop():
    """On SIGTERM (a stop, a restart, a deploy) gunicorn stops the worker as it does, and the
    worker's live streams end at once. Without it an open page holds the worker until the
    graceful timeout; its page reconnects 2 s after its stream ends (services/live.py,
    end_all_streams)."""
    import signal

    stop = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum, frame):
        if callable(stop):
            stop(signum, frame)  # gunicorn's own first: the worker stops whatever follows
        from inbox.services import live

        live.end_all_streams_soon()

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn sets it: requests' calls not interrupted
