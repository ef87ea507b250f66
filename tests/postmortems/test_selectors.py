"""Reads other areas rely on: the public status page's postmortems, what is due, who wrote it."""

from __future__ import annotations

import pytest

from incidents.postmortems.models import Postmortem
from incidents.postmortems.selectors import postmortem_authors, postmortems_due, public_postmortems
from incidents.postmortems.services import postmortem_ensure, postmortem_generate, section_update

pytestmark = pytest.mark.django_db


def test_public_postmortems_are_published_public_and_of_non_private_incidents(incident, private_incident):
    shown = postmortem_ensure(incident=incident)
    hidden = postmortem_ensure(incident=private_incident)
    Postmortem.objects.filter(pk__in=[shown.pk, hidden.pk]).update(status="published", public=True)
    assert list(public_postmortems()) == [shown]
    Postmortem.objects.filter(pk=shown.pk).update(public=False)
    assert list(public_postmortems()) == []


def test_postmortems_due_leaves_out_published_and_invisible_ones(
    outsider, participant, incident, private_incident
):
    open_one = postmortem_ensure(incident=incident)
    private_one = postmortem_ensure(incident=private_incident)
    assert list(postmortems_due(user=outsider)) == [open_one]
    assert set(postmortems_due(user=participant)) == {open_one, private_one}
    Postmortem.objects.filter(pk=open_one.pk).update(status="published")
    assert list(postmortems_due(user=outsider)) == []


def test_authors_are_the_people_who_saved_revisions(record, owner):
    postmortem_generate(incident_id=record.pk)
    postmortem = Postmortem.objects.get(incident=record)
    assert list(postmortem_authors(postmortem=postmortem)) == []
    section_update(postmortem=postmortem, key="impact", actor=owner, body="Many users.")
    assert list(postmortem_authors(postmortem=postmortem)) == [owner]
