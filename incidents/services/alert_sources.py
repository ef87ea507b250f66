"""Sentry's webhooks and admin-defined JSON webhooks → the alert path of `incidents.services.alerts`.

Each source only translates its payload into `Alert`s and a namespaced group key; opening or
updating the incident, idempotency and the `webhook` timeline entries are `alert_group_ingest`'s,
exactly as for Alertmanager and Grafana.

- Sentry: one group per Sentry issue (`event_alert` and `issue` resources share it, so an issue
  alert and the issue's later resolution land on one incident) and one per metric alert incident.
- Generic: one group per value of the source's `group_key` expression.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import jmespath
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from jmespath.exceptions import JMESPathError

from incidents.conf import hindsight_setting
from incidents.models import AlertSource
from incidents.models.alerts import MAPPED_FIELDS
from incidents.services.alerts import (
    MAX_GROUP_KEY,
    Alert,
    AlertIngestResult,
    AlertSender,
    alert_group_ingest,
    alert_time,
    clean_text,
)
from incidents.signatures import hmac_sha256_valid

SENTRY = AlertSender(name="Sentry", tag="sentry")
SENTRY_RESOURCES = ("event_alert", "issue", "metric_alert")
SENTRY_FIRING = {"created": "firing", "unresolved": "firing", "critical": "firing", "warning": "firing"}
SENTRY_RESOLVED = {
    "resolved": "Resolved in Sentry",
    "ignored": "Ignored in Sentry",
    "archived": "Archived in Sentry",
}


def _key(prefix: str, value: str) -> str:
    key = f"{prefix}:{value}"
    return key if len(key) <= MAX_GROUP_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _object(parent: Mapping[str, Any], name: str, path: str) -> Mapping[str, Any]:
    value = parent.get(name)
    if not isinstance(value, Mapping):
        raise ValidationError({path: f"Sentry's payload has no `{path}` object."})
    return value


def _id(parent: Mapping[str, Any], name: str, path: str) -> str:
    value = parent.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise ValidationError({path: f"Sentry's payload has no `{path}`."})
    return clean_text(value, 100).strip()


def _url(value: Any) -> str:
    url = clean_text(value, 1000)
    return url if url.startswith(("http://", "https://")) else ""


def _sentry_severity(level: Any) -> str:
    mapping: dict[str, str] = hindsight_setting("SENTRY_SEVERITY_MAP")
    return mapping.get(clean_text(level, 20).lower(), hindsight_setting("ALERTMANAGER_DEFAULT_SEVERITY"))


def _event_alert(data: Mapping[str, Any]) -> tuple[str, list[Alert]]:
    """`event_alert` (an issue alert rule fired): one firing alert per Sentry event."""
    event = _object(data, "event", "data.event")
    issue_id = _id(event, "issue_id", "data.event.issue_id")
    event_id = clean_text(event.get("event_id"), 64) or clean_text(event.get("id"), 64)
    started = alert_time(event.get("datetime")) or alert_time(event.get("timestamp"))
    tags = {
        clean_text(pair[0], 200): clean_text(pair[1])
        for pair in event.get("tags") or []
        if isinstance(pair, list | tuple) and len(pair) == 2
    }
    title = clean_text(event.get("title") or event.get("message"), 200) or f"Sentry issue {issue_id}"
    rule = clean_text(data.get("triggered_rule"), 200)
    labels = {
        "alertname": title,
        **{k: v for k, v in tags.items() if k in {"environment", "release", "service"}},
    }
    alert = Alert(
        status="firing",
        labels=labels,
        annotations={
            "summary": clean_text(event.get("culprit"), 500),
            "description": f"Sentry alert rule “{rule}” fired." if rule else "",
        },
        starts_at=started,
        ends_at=None,
        fingerprint=_fingerprint(issue_id),
        generator_url=_url(event.get("web_url")),
        severity=_sentry_severity(event.get("level")),
        identity=f"sentry:event:{issue_id}:{event_id or (started.isoformat() if started else '-')}",
    )
    return _key("sentry:issue", issue_id), [alert]


def _issue(action: str, data: Mapping[str, Any]) -> tuple[str, list[Alert]]:
    """`issue`: created/unresolved fire, resolved/ignored/archived resolve, assigned is a note."""
    issue = _object(data, "issue", "data.issue")
    issue_id = _id(issue, "id", "data.issue.id")
    last_seen = clean_text(issue.get("lastSeen"), 40)
    title = clean_text(issue.get("title"), 200) or f"Sentry issue {issue_id}"
    project = issue.get("project")
    project_name = (
        clean_text(project.get("slug") or project.get("name"), 100) if isinstance(project, Mapping) else ""
    )
    common: dict[str, Any] = {
        "labels": {"alertname": title, **({"project": project_name} if project_name else {})},
        "fingerprint": _fingerprint(issue_id),
        "generator_url": _url(data.get("web_url") or issue.get("permalink")),
        "severity": _sentry_severity(issue.get("level")),
        "ends_at": None,
    }
    culprit = {"summary": clean_text(issue.get("culprit"), 500)}
    if action in SENTRY_FIRING:
        seen = issue.get("firstSeen") if action == "created" else issue.get("lastSeen")
        alert = Alert(
            status="firing",
            annotations=culprit,
            starts_at=alert_time(seen),
            identity=f"sentry:issue:{issue_id}:{action}:{last_seen}",
            verb="Regressed in Sentry" if action == "unresolved" else "",
            **common,
        )
    elif action in SENTRY_RESOLVED:
        alert = Alert(
            status="resolved",
            annotations=culprit,
            starts_at=None,
            identity=f"sentry:issue:{issue_id}:{action}:{last_seen}",
            verb=SENTRY_RESOLVED[action],
            **common,
        )
    elif action == "assigned":
        assignee = issue.get("assignedTo")
        who = (
            clean_text(assignee.get("name") or assignee.get("email"), 200)
            if isinstance(assignee, Mapping)
            else ""
        )
        alert = Alert(
            status="firing",
            annotations={"summary": f"to {who}" if who else "unassigned"},
            starts_at=None,
            identity=f"sentry:issue:{issue_id}:assigned:{who}:{last_seen}",
            verb="Assigned in Sentry",
            informational=True,
            **common,
        )
    else:
        return _key("sentry:issue", issue_id), []
    return _key("sentry:issue", issue_id), [alert]


def _metric_alert(action: str, data: Mapping[str, Any]) -> tuple[str, list[Alert]]:
    """`metric_alert`: critical and warning fire, resolved resolves; one group per Sentry incident."""
    metric = _object(data, "metric_alert", "data.metric_alert")
    alert_id = _id(metric, "id", "data.metric_alert.id")
    rule = metric.get("alert_rule")
    rule_name = clean_text(rule.get("name"), 200) if isinstance(rule, Mapping) else ""
    title = (
        clean_text(data.get("description_title") or metric.get("title") or rule_name, 200)
        or "Sentry metric alert"
    )
    if action not in {"critical", "warning", "resolved"}:
        return _key("sentry:metric", alert_id), []
    firing = action != "resolved"
    moment_text = clean_text(metric.get("date_started") if firing else metric.get("date_closed"), 40)
    alert = Alert(
        status="firing" if firing else "resolved",
        labels={"alertname": title.removeprefix("Resolved: "), **({"rule": rule_name} if rule_name else {})},
        annotations={"description": clean_text(data.get("description_text"), 2000)},
        starts_at=alert_time(metric.get("date_started")) if firing else None,
        ends_at=None,
        fingerprint=_fingerprint(alert_id),
        generator_url=_url(data.get("web_url")),
        severity=_sentry_severity(action),
        identity=f"sentry:metric:{alert_id}:{action}:{moment_text}",
        verb=f"{action.capitalize()} in Sentry",
    )
    return _key("sentry:metric", alert_id), [alert]


def sentry_signature_valid(*, body: bytes, signature: str, secret: str) -> bool:
    """Sentry signs the raw body: hex HMAC-SHA256 with the integration's client secret."""
    return hmac_sha256_valid(body=body, secret=secret, signature=signature, prefix="")


def sentry_timestamp_fresh(timestamp: str) -> bool:
    try:
        sent = datetime.fromtimestamp(float(timestamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return False
    return abs(timezone.now() - sent) <= hindsight_setting("SENTRY_MAX_AGE")


def sentry_ingest(*, resource: str, payload: Mapping[str, Any]) -> AlertIngestResult:
    """Open or update the incident for a Sentry webhook; other resources are acknowledged, unused."""
    if resource not in SENTRY_RESOURCES:
        return AlertIngestResult(incident=None, created=False, events_added=0)
    data = _object(payload, "data", "data")
    action = clean_text(payload.get("action"), 40).lower()
    if resource == "event_alert":
        key, alerts = _event_alert(data)
    elif resource == "issue":
        key, alerts = _issue(action, data)
    else:
        key, alerts = _metric_alert(action, data)
    if not alerts:
        return AlertIngestResult(incident=None, created=False, events_added=0)
    title = alerts[0].labels["alertname"]
    return alert_group_ingest(
        key=key,
        alerts=alerts,
        sender=SENTRY,
        title=lambda firing: title,
        summary="Opened by Sentry."
        + (f" [Sentry]({alerts[0].generator_url})" if alerts[0].generator_url else ""),
    )


# ---- Generic JSON webhooks -------------------------------------------------------------------


def alert_source_authenticate(*, slug: str, token: str) -> AlertSource | None:
    """Return the enabled source `slug` if `token` is its token (compared in constant time)."""
    source = AlertSource.objects.filter(slug=slug, enabled=True).first()
    presented = AlertSource.hash_token(token or "")
    stored = source.token_hash if source is not None and source.token_hash else "-" * 64
    if not hmac.compare_digest(presented, stored) or source is None or not token:
        return None
    return source


def alert_source_token_issue(*, source: AlertSource) -> str:
    """Give the source a new token (the old one stops working); return it: it is shown this once."""
    token = AlertSource.generate_token()
    source.token_hash = AlertSource.hash_token(token)
    source.token_prefix = token[7:15]
    source.save(update_fields=["token_hash", "token_prefix"])
    return token


def _read(source: AlertSource, field: str, payload: Any) -> Any:
    expression: str = getattr(source, field)
    if not expression:
        return None
    try:
        value = jmespath.search(expression, payload)
    except JMESPathError as error:
        raise ValidationError({field: f"`{expression}` cannot be read from this payload: {error}"}) from error
    if value is None:
        raise ValidationError({field: f"`{expression}` finds nothing in this payload."})
    if isinstance(value, dict | list):
        raise ValidationError({field: f"`{expression}` finds an object or a list here, not a value."})
    return value


def _occurred(source: AlertSource, value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 100_000_000_000 else value  # milliseconds, as many tools send
        try:
            return min(datetime.fromtimestamp(seconds, tz=UTC), timezone.now())
        except (ValueError, OverflowError, OSError):
            pass
    parsed = alert_time(value)
    if parsed is None:
        raise ValidationError(
            {"occurred_at": f"`{source.occurred_at}` finds {clean_text(value, 40)!r}: not a time."}
        )
    return parsed


@transaction.atomic
def generic_ingest(*, source: AlertSource, payload: Any) -> AlertIngestResult:
    """Open or update the incident for a post to a generic source, read through its expressions."""
    values = {field: _read(source, field, payload) for field in MAPPED_FIELDS}
    key_value = clean_text(values["group_key"], 100_000).strip()
    if not key_value:
        raise ValidationError({"group_key": f"`{source.group_key}` finds an empty value in this payload."})
    title = " ".join(clean_text(values["title"], 200).split())
    if not title:
        raise ValidationError({"title": f"`{source.title}` finds an empty value in this payload."})
    occurred = _occurred(source, values["occurred_at"])
    status = values["status"]
    resolved = status is not None and clean_text(status, 100).strip().lower() in source.resolved_set()
    mapping = {str(name).strip().lower(): sev for name, sev in (source.severity_map or {}).items()}
    severity = mapping.get(clean_text(values["severity"], 100).strip().lower(), source.default_severity)
    key = _key(f"generic:{source.slug}", key_value)
    alert = Alert(
        status="resolved" if resolved else "firing",
        labels={
            "alertname": title,
            **({"service": clean_text(values["service"], 100)} if values["service"] else {}),
        },
        annotations={"summary": clean_text(values["summary"], 2000)} if values["summary"] is not None else {},
        starts_at=None if resolved else occurred,
        ends_at=occurred if resolved else None,
        fingerprint=_fingerprint(key),
        generator_url="",
        severity=severity,
    )
    return alert_group_ingest(
        key=key,
        alerts=[alert],
        sender=AlertSender(name=source.name, tag=source.slug),
        title=lambda firing: title,
        summary=f"Opened by {source.name} (generic webhook `{source.slug}`).",
    )
