"""Shared pieces of the benchmarks and load tests: a database of their own, gunicorn, wrk.

Everything runs on loopback, against servers this process starts and stops itself. Nothing here
touches the shared PostgreSQL databases or Redis databases other engineers use: benchmarks get their
own database (`hs_bench` by default) and fault tests their own PostgreSQL cluster / redis-server on
spare ports (see bench_faults.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
OUT = ROOT / "bench" / "out"
BENCH_SETTINGS = "config.settings.bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/hs_bench"
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"


def _match(pattern: str, output: str) -> str:
    """Return the first group of `pattern` in wrk's report; a report without it is an error."""
    found = re.search(pattern, output)
    if found is None:
        raise RuntimeError(f"wrk's report has no {pattern!r}:\n{output}")
    return found.group(1)


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for manage.py, gunicorn and Celery processes of a benchmark."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=BENCH_SETTINGS,
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def setup_django(database_url: str, **extra: str) -> None:
    """Configure Django in this process for the benchmark database (fixtures, counting rows)."""
    os.environ.update(django_env(database_url, **extra))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    """Drop and create the benchmark database (never one of the shared ones)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if name in {"", "postgres", "test", "template0", "template1"} or not name.startswith(("hs_", "bench")):
        raise SystemExit(f"Refusing to recreate database {name!r}: benchmarks use hs_bench* databases.")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str, env: dict[str, str], quiet: bool = False) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def http_get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — loopback only
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def http_send(
    url: str, method: str, body: Any, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, bytes]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — loopback only
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, port: int | None = None) -> Iterator[str]:
    """Run `gunicorn config.wsgi` (sync workers) on loopback; yield its base URL."""
    port = port or free_port()
    OUT.mkdir(parents=True, exist_ok=True)
    logfile = open(OUT / "gunicorn.log", "ab")  # noqa: SIM115 — closed below
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--max-requests",
            "0",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=logfile,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: http_get(f"{base}/healthz", timeout=2)[0] == 200, timeout=60, what="gunicorn")
        yield base
    finally:
        stop_process(process)
        logfile.close()


def stop_process(process: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def wait_for(check: Any, timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as error:  # noqa: BLE001 — the server is still starting
            last_error = error
        time.sleep(interval)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s ({last_error})")


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"cannot read wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(
    url: str,
    *,
    seconds: int = 10,
    connections: int = 4,
    threads: int = 1,
    headers: dict[str, str] | None = None,
    script: str | None = None,
) -> WrkResult:
    """Run wrk once (bounded: `connections` open connections for `seconds`) and read its report."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    command += ["--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    script_file = None
    if script:
        script_file = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script_file.write(script)
        script_file.close()
        command += ["-s", script_file.name]
    command.append(url)
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        if script_file:
            os.unlink(script_file.name)
    rps = float(_match(r"Requests/sec:\s+([\d.]+)", output))
    requests = int(_match(r"(\d+) requests in", output))
    percentiles = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE))
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(value) for value in socket_errors.groups())
    return WrkResult(
        requests_per_second=rps,
        p50_ms=_ms(percentiles["50"]),
        p90_ms=_ms(percentiles["90"]),
        p99_ms=_ms(percentiles["99"]),
        requests=requests,
        errors=errors,
    )


@dataclass
class Series:
    """Runs of one endpoint; the figures reported are medians over runs."""

    runs: list[WrkResult] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return statistics.median(run.requests_per_second for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_ms for run in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_ms for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
