"""Deployments reported by GitHub (`deployment_status` webhooks) and GitLab (deployment events).

A successful deployment is a change to the service it deployed, recorded through
`change_event_record`. Every other state (queued, in progress, failed, canceled…) is acknowledged
and not recorded: a deployment that did not finish changed nothing, or was rolled back by the tool
itself; its success, when it comes, is the change.

Replays are refused twice over: a delivery id seen before is refused (the caller answers 409), and
the forge's own id for the deployment (GitHub's deployment status id, GitLab's deployment id) is
stored with the change, so a delivery resent with a new delivery id records nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.models import ChangeEvent, ChangeHookDelivery, ChangeKind
from incidents.services.changes import change_event_record

GITHUB = "github"
GITLAB = "gitlab"
SUCCESS = "success"
# Deliveries remembered for replay rejection; the forges give up redelivering long before this.
DELIVERIES_KEPT = timedelta(days=30)
SUMMARY_LENGTH = 500
_url_valid = URLValidator(schemes=["http", "https"])


class DeliveryReplayed(Exception):
    """The delivery id was received before."""


@dataclass(frozen=True)
class Deployment:
    """What a forge said about one deployment, read from its payload."""

    sender: str  # GITHUB or GITLAB
    external_id: str  # unique per sender: "deployment_status:<id>", "deployment:<id>"
    state: str
    service: str
    summary: str
    at: datetime | None
    urls: tuple[str, ...]  # the first valid one is the change's link
    author: str


@dataclass(frozen=True)
class DeploymentOutcome:
    change: ChangeEvent | None
    created: bool
    detail: str


def _text(value: Any) -> str:
    return " ".join(str(value or "").split())


def _summary(*, ref: str, sha: str, environment: str, description: str) -> str:
    """`Deployed main (f95f852) to production: description`."""
    short = sha[:7]
    if ref and ref != sha and not (short and ref.startswith(short)):
        version = f"{ref} ({short})" if short else ref
    else:
        version = short or ref or "a new version"
    text = f"Deployed {version} to {environment or 'an environment'}"
    if description:
        text += f": {description}"
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


def github_deployment(*, payload: Mapping[str, Any], service: str = "") -> Deployment:
    """Read a validated `deployment_status` payload. `service` overrides the repository's name."""
    status = payload["deployment_status"]
    deployment = payload["deployment"]
    repository = payload["repository"]
    environment = _text(status.get("environment") or deployment.get("environment"))
    html_url = _text(repository.get("html_url"))
    return Deployment(
        sender=GITHUB,
        external_id=f"deployment_status:{status['id']}",
        state=_text(status["state"]).lower(),
        service=_text(service or repository["name"]),
        summary=_summary(
            ref=_text(deployment.get("ref")),
            sha=_text(deployment.get("sha")),
            environment=environment,
            description=_text(status.get("description") or deployment.get("description")),
        ),
        at=status.get("created_at"),
        urls=(
            _text(status.get("log_url")),
            _text(status.get("target_url")),
            f"{html_url}/deployments" if html_url else "",
        ),
        author=_text(
            (status.get("creator") or {}).get("login") or (payload.get("sender") or {}).get("login")
        ),
    )


def gitlab_deployment(*, payload: Mapping[str, Any], service: str = "") -> Deployment:
    """Read a validated deployment event. `service` overrides the project's name."""
    project = payload["project"]
    return Deployment(
        sender=GITLAB,
        external_id=f"deployment:{payload['deployment_id']}",
        state=_text(payload["status"]).lower(),
        service=_text(service or project["name"]),
        summary=_summary(
            ref=_text(payload.get("ref")),
            sha=_text(payload.get("short_sha")),
            environment=_text(payload.get("environment")),
            description=_text(payload.get("commit_title")),
        ),
        at=payload.get("status_changed_at"),
        urls=(
            _text(payload.get("deployable_url")),
            _text(payload.get("environment_external_url")),
            _text(project.get("web_url")),
        ),
        author=_text((payload.get("user") or {}).get("username")),
    )


def _first_valid_url(urls: tuple[str, ...]) -> str:
    """A link is a convenience: one the forge sent malformed is skipped, not a reason to refuse."""
    for url in urls:
        if not url or len(url) > 1000:
            continue
        try:
            _url_valid(url)
        except ValidationError:
            continue
        return url
    return ""


def _receipt(sender: str, delivery_id: str) -> None:
    try:
        with transaction.atomic():
            ChangeHookDelivery.objects.create(sender=sender, delivery_id=delivery_id[:200])
    except IntegrityError as error:
        raise DeliveryReplayed(delivery_id) from error
    ChangeHookDelivery.objects.filter(received_at__lt=timezone.now() - DELIVERIES_KEPT).delete()


@transaction.atomic
def deployment_receive(*, deployment: Deployment, delivery_id: str) -> DeploymentOutcome:
    """Record a successful deployment as a `deploy` change, once; acknowledge any other state.

    Raises DeliveryReplayed for a delivery id received before (nothing changes) and
    ValidationError for what `change_event_record` refuses (nothing is saved, the delivery
    included, so a corrected redelivery is accepted).
    """
    _receipt(deployment.sender, delivery_id)
    if deployment.state != SUCCESS:
        return DeploymentOutcome(
            None,
            False,
            f"Not recorded: the deployment is {deployment.state or 'in an unknown state'}; "
            "only successful deployments are changes.",
        )
    existing = ChangeEvent.objects.filter(
        source=deployment.sender, external_id=deployment.external_id
    ).first()
    if existing is not None:
        return DeploymentOutcome(existing, False, "This deployment was recorded before; nothing added.")
    try:
        change = change_event_record(
            service=deployment.service,
            summary=deployment.summary,
            kind=ChangeKind.DEPLOY,
            at=deployment.at,
            url=_first_valid_url(deployment.urls),
            author=deployment.author[:200],
            source=deployment.sender,
            external_id=deployment.external_id,
        )
    except IntegrityError:
        # Another delivery of the same deployment (a new delivery id) committed it meanwhile.
        change = ChangeEvent.objects.get(source=deployment.sender, external_id=deployment.external_id)
        return DeploymentOutcome(change, False, "This deployment was recorded before; nothing added.")
    return DeploymentOutcome(change, True, "Recorded.")
