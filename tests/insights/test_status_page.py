"""The public status page and its Atom feed: nothing private, nothing internal, ever."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from tests.factories import IncidentFactory, ServiceFactory, StatusUpdateFactory

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(owner: Any) -> dict[str, Any]:
    api = ServiceFactory(name="api")
    billing = ServiceFactory(name="billing")
    search = ServiceFactory(name="search")
    ServiceFactory(name="vault")
    outage = IncidentFactory(title="Checkout failing", severity="SEV2", services=[api])
    StatusUpdateFactory(incident=outage, message="We are looking into **checkout** errors.")
    StatusUpdateFactory(incident=outage, audience="internal", message="Internal: db01 is on fire")
    slow = IncidentFactory(title="Search slow", severity="SEV3", services=[search, api])
    StatusUpdateFactory(incident=slow, message="Search is slower than usual.")
    quiet = IncidentFactory(title="Quiet internal work", severity="SEV3", services=[billing])
    StatusUpdateFactory(incident=quiet, audience="internal", message="Only for us")
    secret = IncidentFactory(
        title="Vault breach",
        severity="SEV1",
        private=True,
        commander=owner,
        services=[ServiceFactory(name="vault")],
    )
    StatusUpdateFactory(incident=secret, message="Secret public-looking update about the vault")
    started = timezone.now() - timedelta(days=10)
    old = IncidentFactory(
        title="Yesterday's DNS issue", severity="SEV2", status="resolved", started_at=started,
        detected_at=started, resolved_at=started + timedelta(hours=1), services=[api],
    )  # fmt: skip
    StatusUpdateFactory(incident=old, status="resolved", message="Resolved: DNS is back.")
    ancient_start = timezone.now() - timedelta(days=120)
    ancient = IncidentFactory(
        title="Ancient outage", status="closed", started_at=ancient_start, detected_at=ancient_start,
        resolved_at=ancient_start + timedelta(hours=1),
    )  # fmt: skip
    StatusUpdateFactory(incident=ancient, status="resolved", message="Long ago.")
    return {"outage": outage, "slow": slow, "quiet": quiet, "secret": secret, "old": old, "ancient": ancient}


def states(response: Any) -> dict[str, str]:
    import re

    return dict(re.findall(r'data-service="([^"]+)" data-state="([^"]+)"', response.content.decode()))


def test_status_page_needs_no_sign_in_and_shows_public_updates(client, world):
    response = client.get("/status/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Checkout failing" in body
    assert "<strong>checkout</strong>" in body  # Markdown rendered
    assert "Search is slower than usual." in body
    assert "Resolved: DNS is back." in body


def test_status_page_shows_nothing_from_private_incidents_or_internal_updates(client, world):
    body = client.get("/status/").content.decode()
    for secret in ("Vault breach", "Secret public-looking", world["secret"].reference, "db01 is on fire",
                   "Only for us", "Quiet internal work"):  # fmt: skip
        assert secret not in body


def test_state_per_service_takes_the_worst_state_the_latest_public_updates_announce(client, world):
    assert states(client.get("/status/")) == {
        "api": "partial_outage",  # SEV2 investigating beats SEV3 investigating; the DNS issue is resolved
        "search": "degraded",
        "billing": "operational",  # a non-private incident with internal updates only: nothing announced
    }  # vault is left out: only a private incident uses it


def test_a_private_incident_never_changes_the_overall_state_or_names_its_service(client, owner):
    vault = ServiceFactory(name="vault")
    secret = IncidentFactory(title="Vault breach", severity="SEV1", private=True, services=[vault])
    StatusUpdateFactory(incident=secret, message="Public-looking words about a private incident")
    response = client.get("/status/")
    assert "All systems operational" in response.content.decode()
    assert states(response) == {}
    assert "vault" not in response.content.decode()


def test_a_service_an_admin_marks_public_is_listed_before_any_incident(client, db):
    ServiceFactory(name="payments", public=True)
    ServiceFactory(name="internal-ledger")
    assert states(client.get("/status/")) == {"payments": "operational"}


def test_resolved_false_alarm_and_duplicate_incidents_do_not_degrade_services(client, world):
    api = ServiceFactory(name="api")
    false_alarm = IncidentFactory(severity="SEV1", services=[api], false_alarm=True)
    duplicate = IncidentFactory(severity="SEV1", services=[api], duplicate_of=world["outage"])
    for incident in (false_alarm, duplicate):
        StatusUpdateFactory(incident=incident, message="We are looking into it.")
    assert states(client.get("/status/"))["api"] == "partial_outage"


def test_history_covers_the_last_90_days(client, world):
    body = client.get("/status/").content.decode()
    assert "Yesterday&#x27;s DNS issue" in body or "Yesterday's DNS issue" in body
    assert "Ancient outage" not in body


def test_public_incident_page_shows_its_public_updates_only(client, world):
    response = client.get(f"/status/incidents/{world['outage'].reference}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "We are looking into" in body
    assert "db01" not in body


def test_private_and_silent_incidents_have_no_public_page(client, world):
    assert client.get(f"/status/incidents/{world['secret'].reference}/").status_code == 404
    assert client.get(f"/status/incidents/{world['quiet'].reference}/").status_code == 404


def test_atom_feed_lists_public_updates_of_non_private_incidents(client, world):
    response = client.get("/status/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    summaries = " ".join(entry.findtext(f"{ATOM}summary") or "" for entry in entries)
    assert len(entries) == 4  # outage, slow, old, ancient: one public update each
    assert any("Checkout failing" in title for title in titles)
    assert "<strong>checkout</strong>" in summaries
    everything = response.content.decode()
    for secret in ("Vault breach", "Secret public-looking", "db01", "Only for us", world["secret"].reference):
        assert secret not in everything
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert all("/status/incidents/" in link for link in links)


def test_atom_feed_escapes_script_in_messages(client, owner):
    incident = IncidentFactory(title="XSS test")
    StatusUpdateFactory(incident=incident, message="<script>alert(1)</script> fixed")
    body = client.get("/status/feed.atom").content.decode()
    assert "<script>" not in body
    assert "fixed" in body
