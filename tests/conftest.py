"""Personas shared by every test: owner, participant, outsider, viewer, admin (and anonymous)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from incidents.models import Incident
from tests.factories import IncidentFactory, UserFactory


@pytest.fixture
def owner(db: Any) -> Any:
    """A responder who declared and commands the incidents below."""
    return UserFactory(username="olivia", role="responder")


@pytest.fixture
def participant(db: Any) -> Any:
    """A responder added explicitly to the private incident."""
    return UserFactory(username="paul", role="responder")


@pytest.fixture
def outsider(db: Any) -> Any:
    """A responder with nothing to do with the private incident."""
    return UserFactory(username="oscar", role="responder")


@pytest.fixture
def viewer(db: Any) -> Any:
    return UserFactory(username="vera", role="viewer")


@pytest.fixture
def no_group_user(db: Any) -> Any:
    """A signed-in user with no group counts as a viewer."""
    return UserFactory(username="nadia")


@pytest.fixture
def admin_user(db: Any) -> Any:
    return UserFactory(username="ada", role="admin")


@pytest.fixture
def incident(owner: Any) -> Incident:
    """A public SEV2 incident run by `owner`."""
    return IncidentFactory(title="Search latency", commander=owner, reporter=owner)


@pytest.fixture
def private_incident(owner: Any, participant: Any) -> Incident:
    """A private SEV1 incident: visible to owner, participant and admins only."""
    incident = IncidentFactory(
        title="Credential leak in logs", severity="SEV1", private=True, commander=owner, reporter=owner
    )
    incident.participants.add(participant)
    return incident


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(client: Any) -> Any:
    """Return a function that signs the test client in as a user (or out, for None)."""

    def sign_in(user: Any) -> Any:
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _rows_from_data_migrations(request: Any) -> None:
    """Recreate the role groups, the incident role kinds, the reference counter and the postmortem
    template for transactional tests (what the data migrations wrote).

    A transactional test (threads, real Celery workers, the live server) ends with a flush that also
    removes what data migrations created, so the next transactional test would find no groups.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("_django_db_helper")
    from django.contrib.auth.models import Group

    from incidents.models import Counter

    for name in ("viewer", "responder", "admin"):
        Group.objects.get_or_create(name=name)
    Counter.objects.get_or_create(name="incident")
    from incidents.models.roles import DEFAULT_ROLE_KINDS, IncidentRoleKind

    for key, name, description, order in DEFAULT_ROLE_KINDS:
        IncidentRoleKind.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "order": order}
        )
    from incidents.postmortems.choices import DEFAULT_SECTIONS
    from incidents.postmortems.models import SectionTemplate

    for position, (key, title, source, prompt) in enumerate(DEFAULT_SECTIONS):
        SectionTemplate.objects.get_or_create(
            key=key, defaults={"title": title, "source": source, "prompt": prompt, "position": position * 10}
        )
