"""The Git card on the postmortem page: status for everyone who sees it, conflicts for editors."""

from __future__ import annotations

import pytest

from incidents.gitsync.models import Conflict
from incidents.gitsync.services import gitsync_pull
from incidents.postmortems.models import Postmortem

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflicted(published, clone):
    repository = clone()
    path = f"postmortems/{published.incident.reference}.md"
    repository.edit(path, repository.read(path).replace("## Impact", "Impact, heading lost", 1))
    gitsync_pull()
    return Conflict.objects.get(status="open")


def _resolve_url(conflict: Conflict) -> str:
    reference = conflict.postmortem.incident.reference
    return f"/incidents/{reference}/postmortem/git/conflicts/{conflict.pk}/resolve/"


def _editor(client, postmortem):
    return client.get(f"/incidents/{postmortem.incident.reference}/postmortem/")


def test_the_card_shows_the_file_and_commit(published, client_for, viewer):
    state = published.git_state

    page = _editor(client_for(viewer), published).content.decode()

    assert 'id="git-sync"' in page
    assert f"postmortems/{published.incident.reference}.md" in page
    assert state.commit[:10] in page


def test_editors_see_the_conflict_with_its_diff_and_both_actions(conflicted, client_for, owner):
    page = _editor(client_for(owner), conflicted.postmortem).content.decode()

    assert 'data-testid="git-conflict"' in page
    assert "Git&#x27;s version cannot be read" in page
    assert '<span class="pm-diff-line del">-## Impact</span>' in page
    assert "Keep Hindsight's" in page
    assert "Take Git's version" not in page  # malformed: Git's version cannot be taken


def test_viewers_see_no_conflict_and_cannot_resolve(conflicted, client_for, viewer):
    client = client_for(viewer)
    assert 'data-testid="git-conflict"' not in _editor(client, conflicted.postmortem).content.decode()

    url = _resolve_url(conflicted)
    assert client.post(url, {"choice": "hindsight"}).status_code == 403
    conflicted.refresh_from_db()
    assert conflicted.is_open


def test_an_editor_resolves_from_the_page(conflicted, client_for, owner):
    url = _resolve_url(conflicted)

    refused = client_for(owner).post(url, {"choice": "git"}, follow=True)
    assert "cannot be read" in refused.content.decode()
    response = client_for(owner).post(url, {"choice": "hindsight"})

    assert response.status_code == 302
    assert response["Location"].endswith("/postmortem/#git-sync")
    conflicted.refresh_from_db()
    assert conflicted.status == "kept_hindsight"


def test_a_private_incidents_conflict_is_not_found_by_outsiders(published, client_for, outsider, conflicted):
    published.incident.private = True
    published.incident.save()
    url = f"/incidents/{published.incident.reference}/postmortem/git/conflicts/{conflicted.pk}/resolve/"

    assert client_for(outsider).post(url, {"choice": "hindsight"}).status_code == 404


def test_without_git_sync_the_page_has_no_card(record, client_for, owner):
    Postmortem.objects.create(incident=record)

    assert (
        'id="git-sync"'
        not in _editor(client_for(owner), Postmortem.objects.get(incident=record)).content.decode()
    )


def test_admins_read_the_sync_log(published, client_for, admin_user, viewer):
    reference = published.incident.reference
    admin_user.is_staff = admin_user.is_superuser = True  # Django's admin is for superusers
    admin_user.save()

    page = client_for(admin_user).get("/admin/gitsync/synclog/").content.decode()

    assert f"{reference}: postmortem published by" in page
    assert "Committed" in page
    assert client_for(viewer).get("/admin/gitsync/synclog/").status_code == 302
