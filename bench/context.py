"""What every benchmark section shares: the bench database, Redis, the app, and child processes."""
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PASSWORD = "bench-password-8"
USERS = (("agent@bench.example", "Agent Bench", "agent"),
         ("superviseur@bench.example", "Superviseur Bench", "supervisor"))


def postgres_cpu_times(database: str) -> dict[int, float]:
    """CPU seconds (user + system) of each PostgreSQL backend serving `database`, by pid."""
    times = {}
    for proc in psutil.process_iter(["cmdline"]):
        try:
            command = " ".join(proc.info["cmdline"] or [])
            if "postgres:" in command and f" {database} " in command:
                cpu = proc.cpu_times()
                times[proc.pid] = cpu.user + cpu.system
        except psutil.Error:
            continue
    return times


def postgres_cpu(database: str) -> float:
    """CPU seconds of the PostgreSQL backends serving `database` now."""
    return sum(postgres_cpu_times(database).values())


def postgres_cpu_since(database: str, before: dict[int, float]) -> float:
    """CPU seconds the backends of `database` used since `before` (postgres_cpu_times()); a backend
    that has ended since is not counted (its time is gone with it), a new one counts in full."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_cpu_times(database).items())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Bench:
    """Settings and shared state of one benchmark run."""

    admin_dsn: str = os.environ.get("PARVIS_BENCH_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    database: str = os.environ.get("PARVIS_BENCH_DATABASE", "parvis_bench")
    redis_url: str = os.environ.get("PARVIS_BENCH_REDIS", "redis://127.0.0.1:6379/12")
    scale: str = "full"
    worker_processes: int = 1  # `parvis worker --processes N` for the e2e section
    results: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    instance: Path = field(default_factory=lambda: RESULTS_DIR / "instance")

    @property
    def baseline_database(self) -> str:
        return self.database + "_10k"

    def dsn_of(self, database: str) -> str:
        return self.admin_dsn.rsplit("/", 1)[0] + "/" + database

    @property
    def dsn(self) -> str:
        return self.dsn_of(self.database)

    @property
    def baseline_dsn(self) -> str:
        return self.dsn_of(self.baseline_database)

    @property
    def sqlalchemy_url(self) -> str:
        return self.dsn.replace("postgresql://", "postgresql+psycopg://", 1)

    @property
    def large(self) -> int:
        return 1_000_000 if self.scale == "full" else 100_000

    baseline: int = 10_000

    def env(self, **extra) -> dict:
        """Environment for child processes (gunicorn, parvis worker)."""
        env = dict(os.environ, DATABASE_URL=self.dsn, REDIS_URL=self.redis_url, SECRET_KEY="bench-secret-key",
                   PARVIS_INSTANCE=str(self.instance), PARVIS_AUTO_MIGRATE="0", PARVIS_LOG_FORMAT="json",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.update({k: str(v) for k, v in extra.items()})
        return env

    # --- database --------------------------------------------------------------------------

    def create_database(self) -> None:
        """Drop and create the bench databases (large and 10k baseline): migrated, same users and channels."""
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            for name in (self.database, self.baseline_database):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database}"')
        app = self.app()
        from flask_migrate import upgrade

        from inbox.extensions import db
        from inbox.models import Channel, User

        with app.app_context():
            upgrade()
            for email, name, role in USERS:
                user = User(email=email, name=name, role=role, locale="fr")
                user.set_password(PASSWORD)
                db.session.add(user)
            for name, kind in (("Page Facebook", "facebook"), ("Mastodon", "mastodon"), ("Site web", "api")):
                db.session.add(Channel(name=name, kind=kind, settings={},
                                       secrets={"signing_secret": Channel.new_secret()}))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        # The baseline database is a copy of the empty one: identical users, channels and secrets.
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.baseline_database}" TEMPLATE "{self.database}"')

    def app(self, database: str | None = None):
        """An in-process application on the large (default) or another bench database."""
        os.environ.setdefault("PARVIS_INSTANCE", str(self.instance))
        from inbox import create_app

        database = database or self.database
        apps = self.__dict__.setdefault("_flask_apps", {})
        if database not in apps:
            url = self.dsn_of(database).replace("postgresql://", "postgresql+psycopg://", 1)
            apps[database] = create_app({
                "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": self.redis_url,
                "SECRET_KEY": "bench-secret-key", "LOG_FORMAT": "", "TESTING": False,
            })
            from inbox import freeze_startup_heap

            freeze_startup_heap()  # as wsgi.py does in every gunicorn worker
        return apps[database]

    def ids(self) -> tuple[list[int], list[int]]:
        with psycopg.connect(self.dsn) as conn:
            channels = [r[0] for r in conn.execute("SELECT id FROM channel ORDER BY id")]
            users = [r[0] for r in conn.execute("SELECT id FROM \"user\" ORDER BY id")]
        return channels, users

    def channel_secret(self, channel_id: int) -> str:
        from inbox.extensions import db
        from inbox.models import Channel

        with self.app().app_context():
            return db.session.get(Channel, channel_id).signing_secret

    def settle_pending(self) -> int:
        """Mark leftover pending messages (from an earlier section) classified, so queues start empty."""
        with psycopg.connect(self.dsn) as conn:
            n = conn.execute("UPDATE message SET classify_status = 'done', claim_token = NULL "
                             "WHERE classify_status IN ('pending', 'processing')").rowcount
            conn.commit()
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()
        return n

    # --- child processes -------------------------------------------------------------------

    def start(self, args: list[str], name: str, **env) -> subprocess.Popen:
        log_dir = RESULTS_DIR / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{name}.log", "wb")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.children.append(process)
        return process

    def gunicorn(self, app_spec: str, name: str, workers: int = 2, threads: int = 4, extra: list | None = None,
                 **env):
        """Start gunicorn with the benchmark's configuration (`extra` options after it); return
        (process, base URL)."""
        port = free_port()
        process = self.start([
            sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
            "-b", f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning", *(extra or []), app_spec,
        ], name, **env)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {name} exited; see {RESULTS_DIR / 'logs' / (name + '.log')}")
            try:
                requests.get(url + "/login" if "wsgi" in app_spec else url + "/ping", timeout=5)
                return process, url
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {name} did not start")

    def worker(self, name: str, processes: int = 1) -> subprocess.Popen:
        return self.start([sys.executable, "-m", "workers", "worker", "--name", name, "--sweep-every", "5",
                           "--processes", str(processes)], name)

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        try:  # anything the process left behind in its session (a stuck child)
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if process in self.children:
            self.children.remove(process)

    def stop_all(self) -> None:
        for process in list(self.children):
            self.stop(process)

    @contextmanager
    def running(self, *processes):
        try:
            yield
        finally:
            for process in processes:
                self.stop(process)


def rss_mb(pid: int, children: bool = False) -> dict:
    """Resident memory of a process (and the largest of its children) in MB."""
    proc = psutil.Process(pid)
    result = {"rss_mb": round(proc.memory_info().rss / 2**20, 1)}
    if children:
        kids = proc.children(recursive=True)
        result["children_rss_mb"] = [round(k.memory_info().rss / 2**20, 1) for k in kids]
    return result


def login(base_url: str, email: str = USERS[0][0], password: str = PASSWORD) -> requests.Session:
    """A logged-in browser-like session (CSRF token from the login form)."""
    import re

    session = requests.Session()
    page = session.get(base_url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": password}
    if token:
        data["csrf_token"] = token.group(1)
    response = session.post(base_url + "/login", data=data, timeout=10, allow_redirects=False)
    if response.status_code not in (302, 303):
        raise RuntimeError(f"bench login failed: {response.status_code}")
    return session
