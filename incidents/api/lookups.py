"""Find the object a URL names, among those the caller may see; anything else is a 404."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import NotFound

from incidents import selectors
from incidents.models import Incident
from timeline.actors import Actor

# Only ASCII digits: "²".isdigit() is true, but int("²") is not a number a client meant.
_ID = re.compile(r"[0-9]{1,19}")
_REFERENCE = re.compile(r"INC-[0-9]{1,19}", re.IGNORECASE)
# The largest value a bigint primary key holds: larger ids cannot exist.
MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """Return the integer id in a URL segment, or None when it cannot name a row."""
    text = str(value)
    if not _ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def incident_or_404(user: Actor, value: Any) -> Incident:
    """Return the visible incident named by `INC-12` or its numeric id."""
    text = str(value).strip()
    incident = None
    if _REFERENCE.fullmatch(text) or parse_id(text) is not None:
        incident = selectors.incident_get(user=user, reference=text)
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def id_or_404(value: Any, what: str) -> int:
    number = parse_id(value)
    if number is None:
        raise NotFound(f"No such {what}.")
    return number
