"""What a newcomer meets with `make run`: Hindsight's own error pages, quiet logs, headers, one login list."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.views.defaults import server_error

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
def test_every_response_carries_a_permissions_policy(client_for: Any, owner: Any) -> None:
    for response in (
        client_for(None).get("/login/"),
        client_for(owner).get("/"),
        client_for(owner).get("/api/v1/"),
    ):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy
        assert "geolocation=()" in policy
        assert "microphone=()" in policy


@pytest.mark.django_db
def test_a_refused_request_is_logged_once_without_a_traceback(
    client_for: Any, viewer: Any, caplog: Any
) -> None:
    with caplog.at_level(logging.WARNING):
        response = client_for(viewer).get("/incidents/new/")
    assert response.status_code == 403
    records = [record for record in caplog.records if "/incidents/new/" in record.getMessage()]
    assert [(record.name, record.getMessage()) for record in records] == [
        ("django.request", "Forbidden (Permission denied): /incidents/new/")
    ]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_the_500_page_is_hindsights_own() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "Hindsight" in html


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fetch(url: str, *, data: bytes | None = None) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as answer:  # noqa: S310 — loopback
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture
def make_run_server(transactional_db: None, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """runserver as Procfile.dev starts it, with the development settings and no DEBUG set."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        user = database.get("USER") or ""
        url = f"postgres://{user}@{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}/"
        database_url = url + database["NAME"]
    else:
        database_url = f"sqlite:///{database['NAME']}"
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL=database_url, PYTHONUNBUFFERED="1"
    )
    port = _free_port()
    log = tmp_path / "runserver.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 — fixed arguments
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"runserver did not start:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
def test_make_run_serves_hindsights_pages_static_files_and_one_log_line_per_4xx(make_run_server: Any) -> None:
    base, log = make_run_server
    status, html = _fetch(f"{base}/no-such-page/")
    assert status == 404
    assert "There is nothing here, or nothing you can see." in html
    assert "DEBUG = True" not in html

    status, css = _fetch(f"{base}/static/css/hindsight.css")
    assert status == 200
    assert css.strip()

    status, _ = _fetch(f"{base}/login/", data=b"username=x&password=y")  # no CSRF token
    assert status == 403
    time.sleep(0.5)
    lines = log.read_text().splitlines()
    assert len([line for line in lines if "/no-such-page/" in line]) == 1
    assert len([line for line in lines if "/login/" in line]) == 1  # "Forbidden (CSRF cookie not set.)"
    assert "Traceback" not in log.read_text()


def test_make_run_prints_the_demo_logins_once() -> None:
    recipe = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,  # noqa: S607
    ).stdout
    assert len(re.findall(r"Demo logins", recipe)) == 1
    assert "load_demo --no-logins" in recipe
