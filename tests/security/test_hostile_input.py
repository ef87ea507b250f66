"""Hostile values in every form field and query parameter of every UI route, as every role.

A property-based sweep (Hypothesis): the routes come from Django's URL resolver, the fields from
the pages' own forms and links and from what each view reads (`tests/security/formwalk.py`), so
a route or field added later is covered without being listed. For each example it spoils one or
two fields of one way in and asserts what a person would notice: never a 500, and a rejected
request (any 4xx) leaves every table as it was. Each example runs in a transaction rolled back
afterwards, so an accepted request does not change the world the next one sees.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.services import profile_update
from tests.security.formwalk import Target, collect
from tests.security.snapshot import changed_tables, table_snapshot
from tests.security.urlwalk import all_routes, fill
from tests.security.world import build_incident, placeholder_values

pytestmark = pytest.mark.django_db

# What the issue and experience say breaks parsers: overflowing times, impossible dates and
# offsets, digits `int()` refuses, integers the database cannot hold, NUL, huge and odd text.
KNOWN_HOSTILE = [
    "-99999999h",
    "-999999999999999999999h",
    "-99999999m",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31 23:59",
    "9999-12-31T23:59",
    "0001-01-01 00:00",
    "0001-01-01T00:00",
    "1970-01-01T00:00:00+14:00",
    "2024-99-99T00:00:00",
    "2024-01-01T00:00:00+99:00",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "24:00",
    "yesterday 99:99",
    "²",
    "١٢",
    "-1",
    "0",
    "9223372036854775808",
    "99999999999999999999999999999",
    "1e309",
    "NaN",
    "-inf",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "",
    " ",
    "null",
    "[]",
    '{"a": 1}',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "INC-0",
    "INC-99999999999999999999",
    "Not/AZone",
    "💥",
    "\u202e",
]

OFFSETS = ["", "Z", "+14:00", "-23:59", "+99:00", "-12:00"]


def _datetime_text(moment: datetime, offset: str, separator: str) -> str:
    return f"{moment:%Y-%m-%d}{separator}{moment:%H:%M:%S}{offset}"


hostile_values = st.one_of(
    st.sampled_from(KNOWN_HOSTILE),
    st.builds(
        _datetime_text,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        st.sampled_from(OFFSETS),
        st.sampled_from(["T", " "]),
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.builds(
        lambda n, unit: f"-{n}{unit}", st.integers(min_value=0, max_value=10**25), st.sampled_from("hms")
    ),
    st.text(st.characters(codec="utf-8"), max_size=40),
)

PERSONAS = ["anonymous", "viewer", "responder", "admin"]
EXAMPLES = {"anonymous": 40, "viewer": 120, "responder": 160, "admin": 160}


@pytest.fixture
def people(owner: Any, participant: Any, viewer: Any, admin_user: Any) -> dict[str, Any]:
    # The responder lives at UTC-12, where `9999-12-31 23:59` overflowed on the way to UTC.
    profile_update(user=owner, data={"timezone": "Etc/GMT+12"})
    return {"anonymous": None, "viewer": viewer, "responder": owner, "admin": admin_user}


def _targets(people: dict[str, Any]) -> list[Target]:
    """Every way in, found as an admin (who sees every form) and anonymously (sign-in)."""
    world = build_incident(owner=people["responder"], private=False, text="Checkout errors")
    routes = []
    for route in all_routes():
        if route.is_api or route.template in ("/logout/",):
            continue
        values = placeholder_values(route, world, owner=people["admin"])
        if values is not None:
            routes.append((route, fill(route, values)))
    admin = Client()
    admin.force_login(people["admin"])
    found = {(t.method, t.path): t for t in collect(Client(), routes)}
    found.update({(t.method, t.path): t for t in collect(admin, routes)})
    return list(found.values())


def _send(client: Client, target: Target, values: dict[str, str], htmx: bool) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    if target.method == "GET":
        return client.get(target.path, values, headers=headers)
    return client.post(target.path, values, headers=headers)


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_values_never_cause_a_500_and_rejected_requests_change_nothing(
    people: dict[str, Any], persona: str
) -> None:
    targets = _targets(people)
    names = {(t.method, t.path, name) for t in targets for name in t.fields}
    # The sweep reaches the fields the issue names, so it is worth something.
    assert {"when", "before", "action_id", "started_at", "title", "q"} <= {name for *_, name in names}
    client = Client()
    if people[persona] is not None:
        client.force_login(people[persona])
    baseline = table_snapshot()

    @settings(
        max_examples=EXAMPLES[persona],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def sweep(data: st.DataObject) -> None:
        target = data.draw(st.sampled_from(sorted(targets, key=lambda t: (t.path, t.method))), label="target")
        spoiled = data.draw(
            st.lists(st.sampled_from(sorted(target.fields)), min_size=1, max_size=2, unique=True),
            label="fields",
        )
        values = dict(target.fields)
        for name in spoiled:
            values[name] = data.draw(hostile_values, label=name)
        htmx = data.draw(st.booleans(), label="htmx")
        with transaction.atomic():
            response = _send(client, target, values, htmx)
            changed = changed_tables(baseline, table_snapshot()) if response.status_code >= 400 else []
            transaction.set_rollback(True)
        where = f"{target.method} {target.path} { ({name: values[name][:80] for name in spoiled})!r}"
        assert response.status_code < 500, where
        assert changed == [], f"{where}: rejected with {response.status_code} but changed {changed}"

    sweep()
