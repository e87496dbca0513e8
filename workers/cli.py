"""The `parvis` command: web administration commands plus the worker-side ones."""
import logging
import os
import signal
import subprocess
import sys

import click
from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command, with_appcontext

from inbox import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False,
             help="Parvis, the community inbox for public institutions.")
def main():
    from inbox.observability import configure_logging

    configure_logging(logging.INFO, fmt=os.environ.get("PARVIS_LOG_FORMAT", "json"))


main.add_command(shell_command)
main.add_command(routes_command)


@main.command("worker")
@click.option("--queue", "queues", multiple=True, help="Queues to listen on (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--sweep-every", type=float, default=15.0, show_default=True,
              help="Seconds between sweeps (0 disables the sweeper in this worker).")
@click.option("--name", default=None)
@click.option("--processes", type=int, default=1, show_default=True,
              help="Worker processes forked after the model is loaded (they share its memory).")
def worker_command(queues, burst, sweep_every, name, processes):
    """Start an RQ worker; the classifier is loaded once, before jobs are forked."""
    from inbox.services.queue import ALL_QUEUES

    from .classifier import ClassifierLoadError
    from .worker import run_worker

    try:
        run_worker(queues or ALL_QUEUES, burst=burst, sweep_every=sweep_every, name=name, processes=processes)
    except ClassifierLoadError as exc:
        raise click.ClickException(f"The classifier could not be loaded, the worker does not start: {exc}")


@main.command("sweep")
def sweep_command():
    """Re-enqueue pending classifications and lost deliveries once."""
    from .sweep import sweep

    click.echo(sweep())


@main.command("retention")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged and anonymised.")
def retention_command(dry_run):
    """Apply the retention policy now (PARVIS_RETENTION_MONTHS): purge old texts, anonymise old authors."""
    import json

    from .retention import run_retention

    click.echo(json.dumps(run_retention(dry_run=dry_run)))


@main.command("poll")
@click.option("--channel", "channel_id", type=int, required=True, help="The channel to poll now.")
def poll_command(channel_id):
    """Poll one channel now (Mastodon, YouTube, e-mail) and print what was stored."""
    from .poll import poll_channel

    click.echo(poll_channel(channel_id))


@main.command("upgrade-db")
@with_appcontext
def upgrade_db():
    """Bring the database schema up to date (Alembic)."""
    from flask_migrate import upgrade

    upgrade()


@main.command("screenshots")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="A running Parvis.")
@click.option("--email", default="superviseur@parvis.example", show_default=True)
@click.option("--password", default="parvis-superviseur", show_default=True)
@click.option("--out", "out_dir", default="docs/screenshots", show_default=True, type=click.Path(file_okay=False))
def screenshots_command(url, email, password, out_dir):
    """Save screenshots of the main pages (desktop and phone) for the README."""
    from pathlib import Path

    from .screenshots import take_screenshots

    for path in take_screenshots(url.rstrip("/"), email, password, Path(out_dir)):
        click.echo(path)


def _demo_logins():
    from inbox.demo.seed import DEMO_USERS

    return "\n".join(f"    {u['role']:<10} {u['email']:<28} {u['password']}" for u in DEMO_USERS)


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-worker", is_flag=True, help="Do not start the worker alongside the web server.")
@click.pass_context
def run_command(ctx, host, port, no_worker):
    """All in one: migrate, seed demo data when empty, start Redis (embedded), the worker and the web inbox."""
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    from inbox.demo.seed import seed
    from inbox.models import User

    app = ctx.ensure_object(ScriptInfo).load_app()
    seeded = False
    with app.app_context():
        upgrade()
        if User.query.count() == 0:
            click.echo(f"Demo data: {seed()}")
            seeded = True
    worker = None
    if not no_worker:
        env = dict(os.environ, REDIS_URL=app.config["REDIS_URL"], PARVIS_INSTANCE=app.instance_path)
        if seeded:
            # Classify the demo, then give it a past, before the inbox opens (a separate process,
            # so that the model does not stay in this web process's memory).
            subprocess.run([sys.executable, "-m", "workers", "demo-history"], env=env, check=False)
        worker = subprocess.Popen([sys.executable, "-m", "workers", "worker"], env=env)
    url = f"http://{host}:{port}/"
    click.echo(f"\nParvis is running: {url}\nDemo logins (change them before real use):\n{_demo_logins()}\n")
    from inbox import freeze_startup_heap

    freeze_startup_heap()
    # `kill`, systemd and `docker stop` send SIGTERM: stop as on Ctrl-C, so that the worker and the
    # embedded Redis stop with the run (Python's default would exit without the `finally` below).
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        from inbox.redis_conn import stop_embedded_redis

        stop_embedded_redis()


@main.command("demo-history")
def demo_history_command():
    """Classify the pending demo messages, then write the demo team's past replies and resolutions."""
    from inbox.demo.seed import seed_history

    from .app import app_context
    from .classify import classify_pending

    click.echo(f"Demo messages classified: {classify_pending()}")
    with app_context():
        click.echo(f"Demo history: {seed_history()}")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _add_classifier_commands():
    import importlib

    try:
        classifier_cli = importlib.import_module("workers.classifier.cli")
    except ModuleNotFoundError:  # the classifier commands are being written (issue #3)
        return

    for name in ("classify", "train_classifier", "eval_classifier", "reclassify"):
        command = getattr(classifier_cli, name, None)
        if command is not None:
            main.add_command(command)


_add_classifier_commands()


@main.command("reclassify")
@click.option("--all", "everything", is_flag=True, help="Every inbound message.")
@click.option("--from", "start", type=click.DateTime(), default=None, help="Received on or after (UTC).")
@click.option("--to", "end", type=click.DateTime(), default=None, help="Received before (UTC).")
@click.option("--channel", "channel_id", type=int, default=None)
@click.option("--batch-size", type=int, default=64, show_default=True)
def reclassify_command(everything, start, end, channel_id, batch_size):
    """Classify messages again after a model change (all, a date range or a channel), with progress."""
    from datetime import timezone

    from inbox.extensions import db
    from inbox.models import Message

    from .app import app_context
    from .classify import classify_batch, get_classifier

    if not (everything or start or end or channel_id):
        raise click.UsageError("Say what to reclassify: --all, --from/--to, or --channel.")
    classifier = get_classifier()
    with app_context():
        query = db.update(Message).where(Message.direction == "in", Message.visibility != "deleted",
                                         Message.classify_status.in_(("done", "failed")))
        if start:
            query = query.where(Message.received_at >= start.replace(tzinfo=timezone.utc))
        if end:
            query = query.where(Message.received_at < end.replace(tzinfo=timezone.utc))
        if channel_id:
            query = query.where(Message.channel_id == channel_id)
        total = db.session.execute(query.values(classify_status="pending", classify_attempts=0)
                                   .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        click.echo(f"{total} messages to reclassify with {classifier.version}")
        with click.progressbar(length=total, label="Reclassifying") as bar:
            while True:
                done = classify_batch(batch_size)
                if not done:
                    break
                bar.update(done)
