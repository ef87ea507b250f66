"""Alertmanager and Grafana Alerting notifications → incidents and `alert` timeline events.

Grafana's webhook contact point sends Alertmanager's format with a few fields more (`orgId`,
`title`, `state`, `message`, per-alert `values`, `dashboardURL`, …), so both go through one code path,
`alerts_ingest`; a sender only names itself and keeps its group keys apart from the other's.

Semantics, which the README documents:
- One incident per alert group (`groupKey`) while it is open (investigating, identified or
  monitoring). A firing notification for a group with no open incident opens one, unless every
  firing alert in it is already recorded on the group's last incident (Alertmanager repeating a
  notification after people resolved the incident is not a new outage).
- Incidents the webhook opens have no reporter and no commander: the first responder takes
  command. Their events have no author and the source `webhook`; the audit trail records no user.
- Each alert state becomes one event, keyed by fingerprint, status and start or end time, so a
  resent notification adds nothing.
- A resolved alert only adds an event. People decide when an incident is resolved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.choices import ACTIVE_STATUSES, Severity
from incidents.conf import hindsight_setting
from incidents.models import Counter, Incident
from incidents.services.declare import incident_declare
from timeline.choices import EventKind, EventSource
from timeline.models import TimelineEvent
from timeline.services import timeline_event_add

SEVERITY_ORDER: list[str] = [
    Severity.SEV1.value,
    Severity.SEV2.value,
    Severity.SEV3.value,
    Severity.SEV4.value,
]
MAX_GROUP_KEY = 500


@dataclass(frozen=True)
class AlertSender:
    name: str  # as people call it: "Alertmanager", "Grafana"
    tag: str  # the tag on incidents it opens


ALERTMANAGER = AlertSender(name="Alertmanager", tag="alertmanager")
GRAFANA = AlertSender(name="Grafana", tag="grafana")


@dataclass
class AlertIngestResult:
    incident: Incident | None
    created: bool
    events_added: int


def clean_text(value: Any, limit: int = 2000) -> str:
    # PostgreSQL refuses NUL characters in text; labels come from anywhere.
    return str(value if value is not None else "").replace("\x00", "")[:limit]


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {clean_text(key, 200): clean_text(item) for key, item in value.items()}


def alert_time(value: Any) -> datetime | None:
    """Parse an Alertmanager time; its zero time (0001-01-01) and anything unparsable mean none."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None or parsed.year < 1970 or parsed.year > 2999:
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    # Clocks disagree: a time slightly ahead of ours is now, never an event in the future.
    return min(parsed.astimezone(UTC), timezone.now())


def severity_for(labels: Mapping[str, str]) -> str:
    """Map an alert's `severity` label to SEV1–SEV4 (HINDSIGHT["ALERTMANAGER_SEVERITY_MAP"])."""
    mapping: dict[str, str] = hindsight_setting("ALERTMANAGER_SEVERITY_MAP")
    default: str = hindsight_setting("ALERTMANAGER_DEFAULT_SEVERITY")
    label = labels.get("severity", "").strip().lower()
    mapped = mapping.get(label, default)
    return mapped if mapped in Severity.values else default


def group_key_of(payload: Mapping[str, Any]) -> str:
    key = clean_text(payload.get("groupKey"), 100_000)
    if len(key) > MAX_GROUP_KEY:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


@dataclass
class Alert:
    status: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None
    fingerprint: str
    generator_url: str
    dashboard_url: str = ""  # Grafana's; Alertmanager has none
    severity: str = ""  # SEV1–SEV4 when the sender already knows it; else from the `severity` label
    identity: str = ""  # the event's key when the sender has a better one than fingerprint + time
    verb: str = ""  # how the entry starts when "Firing"/"Resolved" says too little ("Assigned")
    informational: bool = False  # recorded on the group's incident, but never opens one

    @property
    def firing(self) -> bool:
        return self.status != "resolved"

    @property
    def moment(self) -> datetime | None:
        return self.starts_at if self.firing else (self.ends_at or self.starts_at)

    @property
    def external_id(self) -> str:
        if self.identity:
            return self.identity[:200]
        moment = self.moment
        stamp = moment.strftime("%Y%m%dT%H%M%SZ") if moment else "-"
        return f"am:{self.fingerprint}:{'firing' if self.firing else 'resolved'}:{stamp}"[:200]

    def body(self) -> str:
        name = self.labels.get("alertname", "alert")
        summary = self.annotations.get("summary", "")
        lines = [
            f"**{self.verb or ('Firing' if self.firing else 'Resolved')}:** {name}"
            + (f" — {summary}" if summary else "")
        ]
        description = self.annotations.get("description", "")
        if description:
            lines += ["", description]
        shown = {key: value for key, value in self.labels.items() if key != "alertname"}
        if shown:
            lines += ["", "Labels: " + ", ".join(f"`{key}={value}`" for key, value in sorted(shown.items()))]
        links = (
            [f"[Source]({self.generator_url})"]
            if self.generator_url.startswith(("http://", "https://"))
            else []
        )
        if self.dashboard_url.startswith(("http://", "https://")):
            links.append(f"[Dashboard]({self.dashboard_url})")
        if links:
            lines += ["", " · ".join(links)]
        return "\n".join(lines)[:19_000]


def _alert(raw: Mapping[str, Any], common_labels: dict[str, str]) -> Alert:
    labels = {**common_labels, **_labels(raw.get("labels"))}
    starts_at = alert_time(raw.get("startsAt"))
    ends_at = alert_time(raw.get("endsAt"))
    fingerprint = clean_text(raw.get("fingerprint"), 64)
    if not fingerprint:
        # Older senders omit it; the sorted labels identify the alert just as well.
        fingerprint = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
    return Alert(
        status=clean_text(raw.get("status"), 20).lower() or "firing",
        labels=labels,
        annotations=_labels(raw.get("annotations")),
        starts_at=starts_at,
        ends_at=ends_at if ends_at and (starts_at is None or ends_at >= starts_at) else None,
        fingerprint=fingerprint,
        generator_url=clean_text(raw.get("generatorURL"), 1000),
        dashboard_url=clean_text(raw.get("panelURL") or raw.get("dashboardURL"), 1000),
    )


def _title(payload: Mapping[str, Any], alerts: list[Alert]) -> str:
    annotations = _labels(payload.get("commonAnnotations"))
    labels = {**_labels(payload.get("groupLabels")), **_labels(payload.get("commonLabels"))}
    name = labels.get("alertname") or (alerts[0].labels.get("alertname") if alerts else "") or "Alert"
    summary = annotations.get("summary") or (alerts[0].annotations.get("summary", "") if alerts else "")
    title = f"{name}: {summary}" if summary and summary != name else name
    return " ".join(title.split())[:200] or "Alert"


def _summary(payload: Mapping[str, Any], sender: AlertSender) -> str:
    annotations = _labels(payload.get("commonAnnotations"))
    group = _labels(payload.get("groupLabels"))
    receiver = clean_text(payload.get("receiver"), 200)
    lines = [f"Opened by {sender.name}" + (f" (receiver `{receiver}`)." if receiver else ".")]
    if group:
        lines.append(
            "Alert group: " + ", ".join(f"`{key}={value}`" for key, value in sorted(group.items())) + "."
        )
    url = clean_text(payload.get("externalURL"), 1000)
    if url.startswith(("http://", "https://")):
        lines.append(f"[{sender.name}]({url})")
    if annotations.get("description"):
        lines += ["", annotations["description"]]
    return "\n".join(lines)


def _services(alerts: list[Alert]) -> list[str]:
    names: list[str] = []
    for alert in alerts:
        name = " ".join(alert.labels.get("service", "").split())[:100]
        if name and name.lower() not in {existing.lower() for existing in names}:
            names.append(name)
    return names[:20]


def _recorded(incident: Incident, alerts: list[Alert]) -> set[str]:
    ids = [alert.external_id for alert in alerts]
    # Soft-deleted events count: a responder who deleted an alert entry does not want it back.
    return set(
        TimelineEvent.all_objects.filter(incident=incident, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )


def alertmanager_ingest(*, payload: Mapping[str, Any]) -> AlertIngestResult:
    """Open or update the incident for an Alertmanager notification; return what was done."""
    return alerts_ingest(payload=payload, sender=ALERTMANAGER)


def grafana_ingest(*, payload: Mapping[str, Any]) -> AlertIngestResult:
    """Open or update the incident for a Grafana Alerting notification; return what was done.

    Grafana's group keys are often as plain as `{}:{}`: they are namespaced by sender and
    organisation so that they never join an Alertmanager group or another organisation's.
    """
    org = clean_text(payload.get("orgId"), 20)
    key = f"grafana:{org}:{clean_text(payload.get('groupKey'), 100_000)}"
    return alerts_ingest(payload={**payload, "groupKey": key}, sender=GRAFANA)


def alerts_ingest(*, payload: Mapping[str, Any], sender: AlertSender) -> AlertIngestResult:
    """Open or update the incident for an alert group's notification (Alertmanager's format)."""
    common_labels = _labels(payload.get("commonLabels"))
    raw_alerts = payload.get("alerts") or []
    return alert_group_ingest(
        key=group_key_of(payload),
        alerts=[_alert(raw, common_labels) for raw in raw_alerts if isinstance(raw, Mapping)],
        sender=sender,
        title=lambda firing: _title(payload, firing),
        summary=_summary(payload, sender),
    )


@transaction.atomic
def alert_group_ingest(
    *,
    key: str,
    alerts: list[Alert],
    sender: AlertSender,
    title: Callable[[list[Alert]], str],
    summary: str,
) -> AlertIngestResult:
    """Open or update the incident of alert group `key` with `alerts`: every source ends here.

    `key` must be namespaced by its sender and never empty (incidents people declare have an empty
    key). `title` names a new incident from the firing alerts that open it.
    """
    if not key:
        raise ValueError("An alert group needs a key.")
    # Notifications for one group are handled one at a time (a row lock until commit), so two
    # notifications racing for a new group open one incident, not two.
    Counter.objects.get_or_create(name="alertmanager")
    Counter.objects.select_for_update().get(name="alertmanager")

    group = Incident.objects.filter(alert_group_key=key).order_by("-created_at", "-pk")
    incident = group.filter(status__in=ACTIVE_STATUSES).first()
    created = False
    firing = [alert for alert in alerts if alert.firing and not alert.informational]
    if incident is None:
        latest = group.first()
        new_firing = [a for a in firing if latest is None or a.external_id not in _recorded(latest, [a])]
        if new_firing:
            now = timezone.now()
            started = min((a.starts_at for a in new_firing if a.starts_at), default=now)
            severities = [alert.severity or severity_for(alert.labels) for alert in new_firing]
            incident = incident_declare(
                actor=None,
                title=title(new_firing),
                severity=min(severities, key=SEVERITY_ORDER.index),
                summary=summary,
                services=_services(new_firing),
                tags=[sender.tag],
                started_at=started,
                detected_at=started,
            )
            incident.alert_group_key = key
            incident.save(update_fields=["alert_group_key"])
            created = True
        else:
            # Only resolutions, or repeats of what the last incident already has.
            incident = latest
    if incident is None:
        return AlertIngestResult(incident=None, created=False, events_added=0)

    already = _recorded(incident, alerts)
    added = 0
    for alert in sorted(alerts, key=lambda a: (a.moment or timezone.now(), not a.firing)):
        if alert.external_id in already:
            continue
        moment = alert.moment or timezone.now()
        timeline_event_add(
            incident=incident,
            actor=None,
            kind=EventKind.ALERT,
            body=alert.body(),
            occurred_at=moment,
            source=EventSource.WEBHOOK,
            external_id=alert.external_id,
        )
        already.add(alert.external_id)
        added += 1
    return AlertIngestResult(incident=incident, created=created, events_added=added)
