"""Match the people a source names to users here, standing in for the ones who have no account."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from incidents.importers.models import PlaceholderPerson
from incidents.importers.records import PersonRef
from timeline.actors import Actor


class People:
    """Resolve `PersonRef`s for one import run.

    Order: a placeholder made by an earlier run of this source (or the user it was merged into);
    an active user with the same email; an active user whose username is the source's id or name;
    else a new placeholder. Placeholders are active users with no password and no group, so they
    cannot sign in, yet the services accept them as commander, owner or author.
    """

    def __init__(self, source: str, *, rehearsal: bool = False) -> None:
        self.source = source
        # In a dry run every record is rolled back: placeholders made for one must not be reused.
        self.rehearsal = rehearsal
        self._created: set[PersonRef] = set()
        self._known: dict[PersonRef, Any] = {}
        self._pending: dict[PersonRef, Any] = {}
        # Names of the placeholders made in this run (for the report).
        self.placeholders: list[str] = []
        self._pending_placeholders: list[str] = []

    def user(self, person: PersonRef | None) -> Any:
        if person is None or not (person.external_id or person.email or person.name):
            return None
        if person in self._known:
            return self._known[person]
        if person in self._pending:
            return self._pending[person]
        user = self._find(person) or self._placeholder(person)
        self._pending[person] = user
        return user

    def commit(self) -> None:
        """The record these people were resolved for was saved: remember them for the next one."""
        if self.rehearsal:
            for person in self._created:
                self._pending.pop(person, None)
        self._known.update(self._pending)
        self._pending.clear()
        self._created.clear()
        self.placeholders.extend(self._pending_placeholders)
        self._pending_placeholders.clear()

    def rollback(self) -> None:
        """The record failed: placeholders made for it were rolled back with it."""
        self._pending.clear()
        self._created.clear()
        self._pending_placeholders.clear()

    def _external_id(self, person: PersonRef) -> str:
        return (person.external_id or person.email or person.name)[:255]

    def _find(self, person: PersonRef) -> Any:
        placeholder = (
            PlaceholderPerson.objects.filter(source=self.source, external_id=self._external_id(person))
            .select_related("user", "merged_into")
            .first()
        )
        if placeholder is not None:
            return placeholder.merged_into or placeholder.user
        User = get_user_model()
        active = User.objects.filter(is_active=True)
        if person.email:
            match = active.filter(email__iexact=person.email).order_by("pk").first()
            if match is not None:
                return match
        names = [value for value in (person.external_id, person.name) if value]
        if names:
            return active.filter(Q(username__in=names)).order_by("pk").first()
        return None

    def _placeholder(self, person: PersonRef) -> Any:
        User = get_user_model()
        base = slugify(person.name or person.email.split("@")[0] or person.external_id)[:100] or "person"
        username = base
        suffix = 1
        while User.objects.filter(username=username).exists():
            suffix += 1
            username = f"{base}-{suffix}"
        first, _, last = (person.name or "").partition(" ")
        user = User(username=username, first_name=first[:150], last_name=last[:150], is_active=True)
        user.set_unusable_password()
        user.save()
        PlaceholderPerson.objects.create(
            source=self.source,
            external_id=self._external_id(person),
            name=person.name[:200],
            email=person.email[:254],
            user=user,
        )
        self._pending_placeholders.append(person.name or person.email or person.external_id)
        self._created.add(person)
        return user


# Every relation that points at a person who took part in an incident: (app label, model, field).
_PERSON_FIELDS = [
    ("incidents", "Incident", "commander"),
    ("incidents", "Incident", "reporter"),
    ("incidents", "RemediationAction", "owner"),
    ("incidents", "RemediationAction", "created_by"),
    ("incidents", "Cause", "created_by"),
    ("incidents", "StatusUpdate", "author"),
    ("timeline", "TimelineEvent", "author"),
]


@transaction.atomic
def placeholder_merge(*, placeholder: PlaceholderPerson, into: Any, actor: Actor) -> int:
    """Give everything the stand-in did to the real user `into`; return how many rows moved.

    The stand-in is then deactivated; the placeholder row remembers the merge so later imports of
    the same source map that person straight to `into`.
    """
    from django.apps import apps

    if placeholder.merged_into_id is not None:
        return 0
    moved = 0
    old = placeholder.user
    for app_label, model_name, field_name in _PERSON_FIELDS:
        model = apps.get_model(app_label, model_name)
        manager = getattr(model, "all_objects", model.objects)
        moved += manager.filter(**{field_name: old}).update(**{field_name: into})
    Incident = apps.get_model("incidents", "Incident")
    for incident in Incident.objects.filter(participants=old):
        incident.participants.add(into)
        incident.participants.remove(old)
        moved += 1
    old.is_active = False
    old.save(update_fields=["is_active"])
    placeholder.merged_into = into
    placeholder.merged_at = timezone.now()
    placeholder.save(update_fields=["merged_into", "merged_at"])
    return moved
