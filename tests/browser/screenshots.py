"""Write screenshots of Hindsight's main pages to docs/screenshots/ (`make screenshots`).

Builds a throw-away SQLite database with the demo (`load_demo`), publishes one postmortem through
the review services so its reading page and the public pages have something to show, serves it
with `runserver` on a free port, and photographs each page in Debian's Chromium at 1280 px wide.
Nothing touches the database `make run` uses.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT, MAX_HEIGHT = 1280, 860, 1700
PASSWORD = "hindsight-demo"  # the demo's (see `make run`)
INCIDENT = "INC-1"  # the demo's resolved incident with a drafted postmortem

PAGES = [
    ("dashboard", "/"),
    ("incident", f"/incidents/{INCIDENT}/"),
    ("postmortem-editor", f"/incidents/{INCIDENT}/postmortem/"),
    ("postmortem", f"/incidents/{INCIDENT}/postmortem/read/"),
    ("insights", "/insights/"),
    ("status-page", "/status/"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(env: dict[str, str]) -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    publish = f"""
from django.contrib.auth import get_user_model
from incidents.models import Incident
from incidents.postmortems import services
from incidents.postmortems.models import Postmortem
users = get_user_model().objects
TEXT = "The provider throttled the sender we share with marketing; transactional mail now has its own."
incident = Incident.objects.get(reference="{INCIDENT}")
author, reviewer = incident.commander, users.get(username="admin")
services.postmortem_generate(incident_id=incident.pk)  # what the worker does on resolve
postmortem = Postmortem.objects.get(incident=incident)
for section in services.missing_sections(postmortem):
    services.section_update(postmortem=postmortem, key=section.key, actor=author, body=TEXT)
postmortem = services.postmortem_submit(postmortem=Postmortem.objects.get(pk=postmortem.pk), actor=author,
                                        reviewers=[reviewer.username])
postmortem = services.postmortem_approve(postmortem=postmortem, actor=reviewer, comment="Clear and complete.")
services.postmortem_publish(postmortem=postmortem, actor=author, public=True)
"""
    subprocess.run([*manage, "shell", "-c", publish], env=env, check=True, cwd=ROOT)


def _wait_for(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 — our own local server
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server at {url} did not start.")


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
        env["DATABASE_URL"] = f"sqlite:///{folder}/screenshots.sqlite3"
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
        _prepare(env)
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, str(ROOT / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(base + "/login/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                page.goto(base + "/login/")
                page.fill("#id_username", "maya")
                page.fill("#id_password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(lambda url: "/login/" not in url)
                for name, path in PAGES:
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
                    target = OUTPUT / f"{name}.png"
                    page.screenshot(
                        path=str(target),
                        full_page=True,
                        clip={"x": 0, "y": 0, "width": WIDTH, "height": height},
                    )
                    print(f"{target.relative_to(ROOT)}  {path}")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
