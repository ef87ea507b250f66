"""A whole Hindsight deployment on loopback, owned by the load and fault tests.

PostgreSQL is a cluster of its own (`hsbench`, port 5434, created with pg_createcluster on first
use) and Redis a redis-server of its own (port 6392), because the fault tests stop and restart them:
the shared PostgreSQL on 5432 and Redis on 6379 that other engineers and CI use are never touched.
gunicorn (2 sync workers), one Celery worker (no `-Q`: every queue) and beat run as in production, with
`config.settings.bench` (production settings over plain HTTP, shorter recovery timeouts).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import log

PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5434"))
PG_CLUSTER = "hsbench"
REDIS_PORT = int(os.environ.get("BENCH_REDIS_PORT", "6392"))


def _pg_version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: float(v))
    if not versions:
        raise SystemExit("PostgreSQL is not installed (no /etc/postgresql).")
    return versions[-1]


def _pg_ctl(action: str, *extra: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), PG_CLUSTER, action, *extra],
        check=True,
        # The server inherits these: never leave it holding our stdout/stderr (a pipe to a reader
        # would never see end-of-file).
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Stack:
    """Start with `up()`, stop with `down()`; each piece can be stopped and started on its own."""

    def __init__(self, database: str = "hs_load", web_workers: int = 2) -> None:
        self.database_url = f"postgres://postgres@127.0.0.1:{PG_PORT}/{database}"
        self.redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        # As in production (README): the cache (API throttle counts) in Redis too, so
        # the load and fault tests exercise it shared across workers and through Redis outages.
        self.cache_url = f"redis://127.0.0.1:{REDIS_PORT}/1"
        self.env = harness.django_env(self.database_url, REDIS_URL=self.redis_url, CACHE_URL=self.cache_url)
        # The CI job exports the suite's DATABASE_URL/REDIS_URL; this stack never uses them.
        self.env.pop("CELERY_BROKER_URL", None)
        self.web_workers = web_workers
        self.web_port = harness.free_port()
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.redis: subprocess.Popen[Any] | None = None
        self.web: subprocess.Popen[Any] | None = None
        self.worker: subprocess.Popen[Any] | None = None
        self.beat: subprocess.Popen[Any] | None = None
        self.started_postgres = False
        harness.OUT.mkdir(parents=True, exist_ok=True)

    # PostgreSQL ---------------------------------------------------------------------------------
    def postgres_up(self) -> None:
        if shutil.which("pg_createcluster") is None:
            raise SystemExit("pg_createcluster missing: install Debian's postgresql-common.")
        version = _pg_version()
        if not Path(f"/etc/postgresql/{version}/{PG_CLUSTER}").exists():
            log(f"Creating PostgreSQL cluster {version}/{PG_CLUSTER} on port {PG_PORT} …")
            subprocess.run(
                [
                    "pg_createcluster",
                    version,
                    PG_CLUSTER,
                    "-p",
                    str(PG_PORT),
                    "--",
                    "--auth-host=trust",
                    "--auth-local=trust",
                ],  # fmt: skip
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(PG_PORT), "-q"]).returncode != 0:
            _pg_ctl("start")
            self.started_postgres = True
        harness.wait_for(self.postgres_ready, timeout=60, what="PostgreSQL")

    def postgres_ready(self) -> bool:
        return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(PG_PORT), "-q"]).returncode == 0

    def postgres_restart(self) -> None:
        _pg_ctl("restart", "-m", "fast")

    def postgres_down(self) -> None:
        if self.started_postgres:
            _pg_ctl("stop", "-m", "fast")

    def fresh_database(self) -> None:
        harness.recreate_database(self.database_url)
        harness.manage("migrate", "--noinput", env=self.env, quiet=True)

    # Redis --------------------------------------------------------------------------------------
    def redis_up(self) -> None:
        if self.redis_ready():
            raise SystemExit(
                f"Something already answers on port {REDIS_PORT} (a redis-server left by an interrupted "
                "run?): stop it first; the fault tests must own the broker they stop."
            )
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
        )
        harness.wait_for(
            lambda: self.redis is not None and self.redis.poll() is None and self.redis_ready(),
            timeout=20,
            what="redis-server",
        )

    def redis_ready(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True, text=True, check=False
        )
        return result.stdout.strip() == "PONG"

    def redis_down(self) -> None:
        if self.redis is not None:
            harness.stop_process(self.redis)
            self.redis = None

    # Web, worker, beat --------------------------------------------------------------------------
    def web_up(self) -> None:
        self.web = self._spawn(
            "gunicorn",
            [
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                str(self.web_workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--backlog",
                "512",
            ],  # fmt: skip
        )
        harness.wait_for(
            lambda: harness.http_get(f"{self.base}/healthz", timeout=2)[0] == 200, timeout=60, what="gunicorn"
        )

    def worker_up(self) -> None:
        # Its own session, so that a SIGKILL can take the main process and its pool child at once,
        # as when a worker host dies.
        self.worker = self._spawn(
            "worker",
            [
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                "warning",
                "--concurrency",
                "1",
                "--hostname",
                f"bench-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
            ],  # fmt: skip
            new_session=True,
        )

    def worker_kill(self) -> None:
        """SIGKILL the worker and its pool children: no chance to ack, requeue or clean up."""
        if self.worker is not None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=10)
            self.worker = None

    def worker_down(self) -> None:
        if self.worker is not None:
            harness.stop_process(self.worker, timeout=20)
            self.worker = None

    def beat_up(self) -> None:
        schedule = harness.OUT / "celerybeat-schedule"
        self.beat = self._spawn(
            "beat",
            ["-m", "celery", "-A", "config", "beat", "--loglevel", "warning", "-s", str(schedule)],
        )

    def _spawn(self, name: str, args: list[str], new_session: bool = False) -> subprocess.Popen[Any]:
        logfile = open(harness.OUT / f"{name}.log", "ab")  # noqa: SIM115 — the process owns it
        return subprocess.Popen(
            [harness.PYTHON, *args],
            cwd=harness.ROOT,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )

    def up(self, *, worker: bool = True, beat: bool = True) -> None:
        self.postgres_up()
        self.redis_up()
        self.fresh_database()
        self.web_up()
        if worker:
            self.worker_up()
        if beat:
            self.beat_up()

    def down(self) -> None:
        for process in (self.beat, self.worker, self.web):
            if process is not None:
                harness.stop_process(process, timeout=20)
        self.beat = self.worker = self.web = None
        self.redis_down()
        self.postgres_down()

    def wait_jobs_done(self, timeout: float) -> bool:
        """Wait until no job is queued or running; return whether that happened in time."""
        from incidents.models import Job

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not Job.objects.filter(status__in=["queued", "running"]).exists():
                return True
            time.sleep(0.5)
        return False
