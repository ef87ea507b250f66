"""Incident references: `INC-<n>`, unique and gapless, even when incidents are declared at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from incidents.models import Incident
from incidents.selectors import incident_get
from incidents.services import incident_declare


def test_references_count_up_from_one(owner: Any) -> None:
    first = incident_declare(actor=owner, title="First", severity="SEV3")
    second = incident_declare(actor=owner, title="Second", severity="SEV3")
    assert first.reference == "INC-1"
    assert second.reference == "INC-2"
    assert second.number == first.number + 1


def test_a_rolled_back_declaration_gives_its_number_back(owner: Any) -> None:
    incident_declare(actor=owner, title="First", severity="SEV3")

    class Abort(Exception):
        pass

    def declare_then_fail() -> None:
        with transaction.atomic():
            incident_declare(actor=owner, title="Abandoned", severity="SEV3")
            raise Abort

    with pytest.raises(Abort):
        declare_then_fail()
    third = incident_declare(actor=owner, title="Next", severity="SEV3")
    assert third.reference == "INC-2"


def test_a_refused_declaration_uses_no_number(owner: Any) -> None:
    with pytest.raises(Exception, match="title"):
        incident_declare(actor=owner, title="", severity="SEV3")
    assert incident_declare(actor=owner, title="Real", severity="SEV3").reference == "INC-1"


def test_incidents_are_found_by_reference_number_or_id(owner: Any) -> None:
    incident = incident_declare(actor=owner, title="Findable", severity="SEV3")
    assert incident_get(user=owner, reference="INC-1") == incident
    assert incident_get(user=owner, reference="inc-1") == incident
    assert incident_get(user=owner, reference=str(incident.pk)) == incident
    assert incident_get(user=owner, reference="INC-99") is None
    assert incident_get(user=owner, reference="nonsense") is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_declarations_get_unique_gapless_references(owner: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections); set DATABASE_URL=postgres://…")
    threads_count, per_thread = 8, 5
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def declare_some(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for n in range(per_thread):
                incident_declare(actor=owner, title=f"Storm {index}-{n}", severity="SEV2")
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=declare_some, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers == list(range(1, threads_count * per_thread + 1))
    references = set(Incident.objects.values_list("reference", flat=True))
    assert references == {f"INC-{n}" for n in numbers}
