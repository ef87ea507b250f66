"""The demo's incident types: availability and security, and a few demo incidents classified.

Registered in `incidents.demo.DEMO_STEPS` (TaxonomyConfig.ready), so after `manage.py load_demo`
the incident page shows a type card, the list filters by type, and the declare form offers the
types. Written through the services (an admin defines the types, responders classify), on the demo
clock; run again, it adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incidents.choices import LIFECYCLE_FIELDS
from incidents.demo import Output
from incidents.demo.clock import DemoClock
from incidents.models import Incident
from incidents.services import incident_update
from incidents.taxonomy.models import IncidentType
from incidents.taxonomy.services import incident_type_save

TYPES: list[tuple[dict[str, str], list[dict[str, Any]]]] = [
    (
        {
            "slug": "availability",
            "name": "Availability",
            "description": "Users could not use a product, or it was too slow to use.",
        },
        [
            {"key": "customers_affected", "label": "Customers affected", "kind": "number", "required": False,
             "help": "An estimate is fine."},
            {"key": "region", "label": "Region", "kind": "choice", "required": False,
             "choices": ["global", "americas", "europe", "asia-pacific"]},
        ],
    ),
    (
        {"slug": "security", "name": "Security", "description": "Data exposed, or a system abused."},
        [
            {"key": "attack_vector", "label": "Attack vector", "kind": "choice", "required": False,
             "choices": ["none (our own mistake)", "phishing", "credential stuffing", "supply chain"]},
            {"key": "records_exposed", "label": "Records exposed", "kind": "number", "required": False},
            {"key": "security_lead", "label": "Security lead", "kind": "user", "required": False},
        ],
    ),
]  # fmt: skip

# (incident title, who classifies it, type, values)
CLASSIFIED: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "Chat assistant unavailable for most users",
        "maya",
        "availability",
        {"customers_affected": 2_400_000, "region": "global"},
    ),
    ("Slow page loads in Asia-Pacific", "priya", "availability", {"region": "asia-pacific"}),
    (
        "Mobile app cannot connect: api-gateway returns 502",
        "jonas",
        "availability",
        {"customers_affected": 18_000, "region": "global"},
    ),
    (
        "API keys written to debug logs",
        "priya",
        "security",
        {"attack_vector": "none (our own mistake)", "records_exposed": 0, "security_lead": "priya"},
    ),
]


def add_incident_types(clock: DemoClock, users: dict[str, Any], out: Output) -> int:
    """Define the demo's types and classify its incidents, once; return how many were classified."""
    if IncidentType.objects.filter(slug__in=[values["slug"] for values, _ in TYPES]).exists():
        return 0
    for values, fields in TYPES:
        incident_type_save(actor=users["admin"], incident_type=None, values=values, fields=fields)
        out.write(f"  incident type {values['name']}\n")
    classified = 0
    for title, who, slug, custom in CLASSIFIED:
        incident = Incident.objects.filter(title=title).first()
        if incident is None:
            continue
        # Classified ten minutes after the incident's last milestone (the clock never runs ahead).
        moments = [getattr(incident, field) for field in LIFECYCLE_FIELDS if getattr(incident, field)]
        clock.set(min(clock.real_now, max(moments) + timedelta(minutes=10)))
        incident_update(incident=incident, actor=users[who], data={"type": slug, "custom_fields": custom})
        out.write(f"  {incident.reference} is a {slug} incident\n")
        classified += 1
    return classified
