"""An admin-defined `security` type with one field of each kind and its own postmortem template."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from incidents.services import api_token_create
from incidents.taxonomy.models import IncidentType
from incidents.taxonomy.services import incident_type_save

SECURITY_FIELDS = [
    {"key": "attack_vector", "label": "Attack vector", "kind": "choice", "required": True,
     "choices": ["phishing", "credential stuffing", "supply chain"]},
    {"key": "records_exposed", "label": "Records exposed", "kind": "number", "required": False},
    {"key": "security_lead", "label": "Security lead", "kind": "user", "required": False},
    {"key": "disclosed_on", "label": "Disclosed on", "kind": "date", "required": False},
    {"key": "cve", "label": "CVE", "kind": "text", "required": False, "help": "e.g. CVE-2026-1234"},
]  # fmt: skip
SECURITY_TEMPLATE = [
    {"key": "summary", "title": "Summary", "required": True, "prompt": "What happened, for the board."},
    {
        "key": "exposure",
        "title": "Data exposure",
        "required": True,
        "prompt": "Which records, whose, how many.",
    },
    {"key": "timeline", "title": "Timeline", "required": False, "prompt": ""},
    {
        "key": "notification",
        "title": "Regulator notification",
        "required": False,
        "prompt": "Who was told, when.",
    },
    {"key": "action_items", "title": "Action items", "required": False, "prompt": ""},
]


@pytest.fixture
def security(admin_user: Any) -> IncidentType:
    return incident_type_save(
        actor=admin_user,
        incident_type=None,
        values={"slug": "security", "name": "Security", "description": "Breaches and attacks."},
        fields=SECURITY_FIELDS,
        sections=SECURITY_TEMPLATE,
    )


@pytest.fixture
def availability(admin_user: Any) -> IncidentType:
    """A type with one required number and no template of its own (the default one applies)."""
    return incident_type_save(
        actor=admin_user,
        incident_type=None,
        values={"slug": "availability", "name": "Availability"},
        fields=[
            {"key": "customers_affected", "label": "Customers affected", "kind": "number", "required": True}
        ],
    )


@pytest.fixture
def client_as(db: Any) -> Callable[..., APIClient]:
    def make(user: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, key = api_token_create(user=user, name="tests")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make
