"""Demo data: users for each role and a believable six months of incidents, written through the services.

`load_demo()` is idempotent: users that exist are kept as they are and each incident is told only if no
incident with its title exists yet, so running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from incidents.choices import Role
from incidents.demo import after_outage, before_outage, outage
from incidents.demo.changes import record_changes
from incidents.demo.clock import DemoClock, demo_clock
from incidents.demo.story import Story
from incidents.models import Incident
from incidents.services import profile_update

PASSWORD = "hindsight-demo"


class Output(Protocol):
    def write(self, msg: str, /) -> Any: ...


# username: (first name, last name, role, timezone)
USERS: dict[str, tuple[str, str, str, str]] = {
    "admin": ("Alex", "Admin", Role.ADMIN, "UTC"),
    "responder": ("Robin", "Responder", Role.RESPONDER, "America/New_York"),
    "viewer": ("Vic", "Viewer", Role.VIEWER, "UTC"),
    "maya": ("Maya", "Lindqvist", Role.RESPONDER, "Europe/Stockholm"),
    "jonas": ("Jonas", "Becker", Role.RESPONDER, "Europe/Berlin"),
    "priya": ("Priya", "Raman", Role.RESPONDER, "Asia/Kolkata"),
    "sam": ("Sam", "Carter", Role.RESPONDER, "America/Los_Angeles"),
}


# What sub-apps add to the story once the incidents are told (a published postmortem, a closed
# incident): each is appended from the sub-app's AppConfig.ready(), gets the clock and the users,
# returns how many records it added, and adds nothing the second time.
DemoStep = Callable[[DemoClock, dict[str, Any], Output], int]
DEMO_STEPS: list[DemoStep] = []


def _users(clock: DemoClock, out: Output) -> dict[str, Any]:
    User = get_user_model()
    users: dict[str, Any] = {}
    clock.set(clock.real_now - timedelta(days=200))
    for username, (first, last, role, tz) in USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                password=PASSWORD,
                email=f"{username}@hindsight.example",
                first_name=first,
                last_name=last,
            )
            user.groups.add(Group.objects.get_or_create(name=role)[0])
            if role == Role.ADMIN:
                # Staff + superuser so the Django admin (undo deletes, beat schedule) works out of the box.
                user.is_staff = True
                user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
            profile_update(user=user, data={"timezone": tz})
            out.write(f"  user {username} ({role})\n")
        users[username] = user
    return users


def _seed_start(now: datetime) -> datetime:
    """The outage began on a Thursday about six weeks ago, at 14:02 UTC."""
    day = now - timedelta(days=40)
    day -= timedelta(days=(day.weekday() - 3) % 7)
    return day.replace(hour=14, minute=2, second=0, microsecond=0)


def load_demo(out: Output) -> int:
    """Create what is missing of the demo; return how many records (incidents, finished postmortems,
    reported changes) were added."""
    added = 0
    # The transaction is outside the clock: jobs are sent to the broker after commit, at real time.
    with transaction.atomic(), demo_clock() as clock:
        users = _users(clock, out)
        now = clock.real_now
        seed_start = _seed_start(now)
        existing = set(Incident.objects.values_list("title", flat=True))

        plan = [
            *before_outage.stories(now),
            (outage.TITLE, seed_start, None),
            ("Web app shows a blank page after sign-in", seed_start + timedelta(minutes=18), None),
            *after_outage.recent(now),
        ]
        for title, start, teller in plan:
            if title in existing:
                continue
            story = Story(clock=clock, start=start, users=users)
            if title == outage.TITLE:
                incident = outage.tell(clock=clock, start=start, users=users)
            elif teller is None:
                original = Incident.objects.filter(title=outage.TITLE).first()
                if original is None:
                    continue
                after_outage.blank_page_duplicate(story, original)
                incident = story.record
            else:
                teller(story)
                incident = story.record
            added += 1
            out.write(f"  {incident.reference} {incident.severity} {incident.status:<13} {incident.title}\n")
        for step in DEMO_STEPS:
            added += step(clock, users, out)
        added += record_changes(now=now, outage_start=seed_start, out=out)
    return added
