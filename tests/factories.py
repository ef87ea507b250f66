"""factory_boy factories. Services are the way to write in the app; factories build test worlds fast."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from incidents.models import Cause, Incident, RemediationAction, Service, StatusUpdate
from timeline.models import TimelineEvent


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"service-{n}")


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: 100000 + n)
    reference = factory.LazyAttribute(lambda i: f"INC-{i.number}")
    title = factory.Sequence(lambda n: f"Checkout errors {n}")
    severity = "SEV2"
    status = "investigating"
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    detected_at = factory.LazyAttribute(lambda i: i.started_at + timedelta(minutes=5))
    private = False

    @factory.post_generation
    def services(self, create: bool, extracted: list[Service] | None, **kwargs: object) -> None:
        if create and extracted:
            self.services.set(extracted)


class TimelineEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimelineEvent

    incident = factory.SubFactory(IncidentFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    kind = "note"
    body = factory.Sequence(lambda n: f"Entry {n}")
    source = "web"


class CauseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cause

    incident = factory.SubFactory(IncidentFactory)
    category = "capacity"
    role = "trigger"
    status = "suspected"
    description = "Traffic surge overloaded the API tier."


class RemediationActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemediationAction

    incident = factory.SubFactory(IncidentFactory)
    title = factory.Sequence(lambda n: f"Add autoscaling alarm {n}")
    kind = "prevent"
    priority = "P2"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=28))
    status = "open"


class StatusUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusUpdate

    incident = factory.SubFactory(IncidentFactory)
    audience = "public"
    status = "investigating"
    message = "We are investigating elevated error rates."
