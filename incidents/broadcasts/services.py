"""Writes: route an incident event to chat channels and followers, and manage subscriptions.

`on_incident_event` runs inside the transaction that changed the incident (it is registered in
`incidents.events.EVENT_HOOKS`): it records one `BroadcastDelivery` per matching channel and one
outbox job per delivery, so the posts commit with the change and nothing is sent for a change
that rolled back. Sending happens in the jobs (`incidents/broadcasts/handlers.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from incidents.choices import Audience
from incidents.conf import absolute_url
from incidents.events import IncidentEvent, IncidentEventName
from incidents.jobs import job_enqueue
from incidents.models import Incident, Service
from incidents.permissions import can_view_incident
from timeline.actors import Actor, actor_or_none

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from .models import (
    BroadcastDelivery,
    BroadcastRule,
    Subscription,
    SubscriptionChannel,
)

SEND_JOB = "broadcasts.send"
FOLLOWERS_JOB = "broadcasts.notify_followers"
STATUS_SUBSCRIBERS_JOB = "broadcasts.notify_status_subscribers"


def event_message(event: IncidentEvent) -> dict[str, Any]:
    """Return what the event says, vendor-neutral: a headline, a few facts, a link."""
    incident = event.incident
    ref, title = incident.reference, incident.title
    detail = event.detail
    url = absolute_url(reverse("incident-detail", args=[ref]))
    text = ""
    if event.name == IncidentEventName.DECLARED:
        headline = f"{ref} declared: {title}"
    elif event.name == IncidentEventName.SEVERITY_CHANGED:
        headline = f"{ref} severity {detail.get('from')} → {detail.get('to')}: {title}"
    elif event.name == IncidentEventName.STATUS_CHANGED:
        headline = f"{ref} is now {detail.get('to')} (was {detail.get('from')}): {title}"
    elif event.name == IncidentEventName.RESOLVED:
        headline = f"{ref} resolved: {title}"
    elif event.name == IncidentEventName.POSTMORTEM_PUBLISHED:
        headline = f"Postmortem published for {ref}: {title}"
        url = absolute_url(reverse("postmortem-editor", args=[ref]))
    elif event.name == IncidentEventName.CAUSE_CONFIRMED:
        headline = f"{ref} cause confirmed ({detail.get('category')}): {title}"
    else:
        audience = "Public" if detail.get("audience") == Audience.PUBLIC else "Internal"
        headline = f"{ref} {audience.lower()} update ({detail.get('status')}): {title}"
        text = str(detail.get("message", ""))
    return {
        "event": event.name,
        "headline": headline,
        "text": text,
        "reference": ref,
        "title": title,
        "severity": incident.severity,
        "status": incident.status,
        "services": sorted(service.name for service in incident.services.all()),
        "url": url,
    }


def matching_rules(event: IncidentEvent) -> list[BroadcastRule]:
    """Return the active rules that want this event about this incident."""
    incident = event.incident
    rules = list(BroadcastRule.objects.filter(active=True, channel__active=True).prefetch_related("services"))
    if not rules:
        return []
    service_ids = {service.pk for service in incident.services.all()}
    matched = []
    for rule in rules:
        if event.name not in (rule.events or []):
            continue
        if incident.private and not rule.include_private:
            continue  # private incidents never leave Hindsight unless a rule says so
        if incident.severity > rule.min_severity:  # "SEV1" < "SEV4": SEV1 is the worst
            continue
        rule_services = {service.pk for service in rule.services.all()}
        if rule_services and not rule_services & service_ids:
            continue
        matched.append(rule)
    return matched


def broadcasts_record(event: IncidentEvent) -> list[BroadcastDelivery]:
    """Record one delivery per channel that a rule routes the event to, each with its send job."""
    rules = matching_rules(event)
    if not rules:
        return []
    message = event_message(event)
    created: list[BroadcastDelivery] = []
    seen: set[int] = set()
    for rule in rules:
        if rule.channel_id in seen:
            continue  # two rules for one channel post once
        seen.add(rule.channel_id)
        delivery, is_new = BroadcastDelivery.objects.get_or_create(
            key=f"{event.key}:{event.name}:channel-{rule.channel_id}",
            defaults={
                "channel_id": rule.channel_id,
                "rule": rule,
                "event": event.name,
                "incident": event.incident,
                "message": message,
                "allow_private": rule.include_private,
            },
        )
        if is_new:
            job_enqueue(name=SEND_JOB, kwargs={"delivery_id": delivery.pk}, incident_id=event.incident.pk)
            created.append(delivery)
    return created


def followers_filter(incident: Incident) -> Q:
    """Subscriptions to the incident or to one of its services."""
    service_ids = Incident.services.through.objects.filter(incident_id=incident.pk).values("service_id")
    return Q(incident=incident) | Q(service__in=service_ids)


def on_incident_event(event: IncidentEvent) -> None:
    """The hook: broadcast to chat, tell followers, and (public updates) tell status subscribers.

    Two queries when nobody listens (rules, followers): it runs inside every write it hears about.
    """
    broadcasts_record(event)
    if Subscription.objects.filter(followers_filter(event.incident)).exists():
        job_enqueue(
            name=FOLLOWERS_JOB,
            kwargs={
                "incident_id": event.incident.pk,
                "event": event.name,
                "event_key": event.key,
                "actor_id": getattr(event.actor, "pk", None),
                "message": event_message(event),
            },
            incident_id=event.incident.pk,
        )
    if (
        event.name == IncidentEventName.UPDATE_POSTED
        and event.detail.get("audience") == Audience.PUBLIC
        and not event.incident.private
    ):
        job_enqueue(
            name=STATUS_SUBSCRIBERS_JOB,
            kwargs={"update_id": event.detail["update_id"]},
            incident_id=event.incident.pk,
        )


# Following ---------------------------------------------------------------------------------------


def _clean_channels(channels: Any) -> list[str]:
    if channels in (None, ""):
        return [SubscriptionChannel.IN_APP]
    if isinstance(channels, str):
        channels = [channels]
    if not isinstance(channels, list | tuple) or not channels:
        raise ValidationError({"channels": f"Give a list of {', '.join(SubscriptionChannel.values)}."})
    clean: list[str] = []
    for channel in channels:
        if channel not in SubscriptionChannel.values:
            raise ValidationError({"channels": f"Choose from {', '.join(SubscriptionChannel.values)}."})
        if channel not in clean:
            clean.append(channel)
    return clean


def _require_user(user: Actor) -> User:
    signed_in = actor_or_none(user)
    if signed_in is None or not signed_in.is_active:
        raise PermissionDenied("Sign in to follow.")
    return signed_in


@transaction.atomic
def follow(
    *, user: Actor, incident: Incident | None = None, service: Service | None = None, channels: Any = None
) -> list[str]:
    """Follow an incident or a service on the given channels (replacing earlier choices)."""
    follower = _require_user(user)
    if (incident is None) == (service is None):
        raise ValidationError("Follow either an incident or a service.")
    if incident is not None and not can_view_incident(follower, incident):
        raise PermissionDenied("You cannot see this incident.")
    clean = _clean_channels(channels)
    if clean and not follower.email and SubscriptionChannel.EMAIL in clean:
        raise ValidationError({"channels": "Add an email address to your account to follow by email."})
    target = {"incident": incident} if incident is not None else {"service": service}
    Subscription.objects.filter(user=follower, **target).exclude(channel__in=clean).delete()
    for channel in clean:
        try:
            with transaction.atomic():
                Subscription.objects.get_or_create(user=follower, channel=channel, **target)
        except IntegrityError:
            pass  # a concurrent follow wrote the same row
    return clean


@transaction.atomic
def unfollow(*, user: Actor, incident: Incident | None = None, service: Service | None = None) -> int:
    """Stop following an incident or a service on every channel; return how many rows went."""
    follower = _require_user(user)
    if (incident is None) == (service is None):
        raise ValidationError("Unfollow either an incident or a service.")
    target = {"incident": incident} if incident is not None else {"service": service}
    deleted, _ = Subscription.objects.filter(user=follower, **target).delete()
    return deleted


def following_channels(
    *, user: Actor, incident: Incident | None = None, service: Service | None = None
) -> list[str]:
    """Return the channels on which the user follows the incident or service (empty: not following)."""
    if not user or not user.is_authenticated:
        return []
    target = {"incident": incident} if incident is not None else {"service": service}
    return sorted(Subscription.objects.filter(user=user, **target).values_list("channel", flat=True))
