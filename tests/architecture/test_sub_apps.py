"""The core works without its sub-apps: removing one from INSTALLED_APPS removes its panels only.

Each case starts a fresh Python process with settings that leave sub-apps out, migrates a SQLite
database of its own, declares an incident through the services and reads the main pages and API
endpoints as a responder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

SUB_APPS = (
    "incidents.postmortems",
    "incidents.reminders",
    "incidents.insights",
    "incidents.broadcasts",
    "incidents.importers",
    "incidents.sso",
    "incidents.gitsync",
    "incidents.drafting",
    "incidents.tickets",
    "incidents.taxonomy",
)
# A sub-app built on another goes with it (gitsync syncs postmortems; AI drafts are drafts of
# postmortem sections).
REQUIRES = {"incidents.gitsync": "incidents.postmortems", "incidents.drafting": "incidents.postmortems"}

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from incidents.services import incident_declare
    from timeline.services import timeline_event_add

    user = User.objects.create_user("rita", password="long-enough-password-1")
    user.groups.add(Group.objects.get(name="responder"))
    incident = incident_declare(actor=user, title="Checkout errors", severity="SEV2")
    timeline_event_add(incident=incident, actor=user, body="Rolled back the release")
    client = Client()
    client.force_login(user)
    pages = {}
    for path in ["/", "/incidents/", f"/incidents/{incident.reference}/", "/actions/", "/profile/",
                 f"/incidents/{incident.reference}/history/", "/api/v1/incidents/",
                 f"/api/v1/incidents/{incident.reference}/timeline/", "/api/v1/schema/",
                 f"/api/v1/incidents/{incident.reference}/"]:
        response = client.get(path)
        pages[path] = [response.status_code, response.content.decode(errors="replace")]
    print(json.dumps(pages))
    """
)


def _run_without(tmp_path: Path, left_out: tuple[str, ...]) -> dict[str, list]:
    left_out = (
        *left_out,
        *(app for app, needs in REQUIRES.items() if needs in left_out and app not in left_out),
    )
    settings_file = tmp_path / "settings_without_sub_apps.py"
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    settings_file.write_text(
        "from config.settings.test import *  # noqa\n"
        f"INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in {left_out!r}]\n"
        f"DATABASES = {{'default': {database!r}}}\n"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_XDIST_WORKER")},
        "DJANGO_SETTINGS_MODULE": "settings_without_sub_apps",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)]),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "left_out", [(app,) for app in SUB_APPS] + [SUB_APPS], ids=lambda apps: "+".join(apps)
)
def test_the_product_works_without_the_sub_app(tmp_path: Path, left_out: tuple[str, ...]) -> None:
    pages = _run_without(tmp_path, left_out)
    for path, (status, _) in pages.items():
        assert status == 200, (path, status, pages[path][1][:500])
    incident_page = next(body for path, (_, body) in pages.items() if path.startswith("/incidents/INC-"))
    assert "Rolled back the release" in incident_page
    if "incidents.postmortems" in left_out:
        assert "/postmortem/" not in incident_page
    if "incidents.reminders" in left_out:
        assert 'id="notification-bell"' not in pages["/"][1]
    if "incidents.insights" in left_out:
        assert 'href="/insights/"' not in pages["/"][1]
    if "incidents.broadcasts" in left_out:
        assert "/follow/" not in incident_page
    if "incidents.importers" in left_out:
        assert "/import-chat/" not in incident_page
    if "incidents.gitsync" in left_out:
        assert "/hooks/git/" not in pages["/api/v1/schema/"][1]
    detail_path = next(path for path in pages if re.fullmatch(r"/api/v1/incidents/INC-[0-9]+/", path))
    detail = json.loads(pages[detail_path][1])
    # The incident's `type` and `custom_fields` come from incidents.taxonomy (incidents/extensions.py).
    assert ("custom_fields" in detail) is ("incidents.taxonomy" not in left_out)


@pytest.mark.django_db
def test_with_every_sub_app_their_panels_are_there(client_for, owner, incident) -> None:  # type: ignore[no-untyped-def]
    client = client_for(owner)
    dashboard = client.get("/").content.decode()
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert 'id="notification-bell"' in dashboard
    assert 'href="/insights/"' in dashboard
    assert f"/incidents/{incident.reference}/postmortem/" in page
    assert "Notification settings" in client.get("/profile/").content.decode()
    assert f"/incidents/{incident.reference}/follow/" in page
    assert f"/incidents/{incident.reference}/import-chat/" in page
