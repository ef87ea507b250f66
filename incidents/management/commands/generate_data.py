"""Fill the database with years of realistic incident history, fast, for benchmarks and demos.

    python manage.py generate_data --incidents 100000 --events-per-incident 20 \
        --actions-per-incident 1 --seed 7

Rows are written in batches (COPY on PostgreSQL, `bulk_create` elsewhere), one transaction per
batch of incidents, so memory stays flat and an interrupted run leaves whole incidents behind.
References stay unique and gapless: each batch reserves its numbers by advancing the `incident`
counter row inside its transaction, the same row `incident_declare` locks. Bulk inserts skip model
`save()` and signals, so no history rows (django-simple-history) are written for generated data
and no jobs are enqueued.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from incidents.bulk import copy_insert
from incidents.choices import (
    ActionKind,
    ActionPriority,
    ActionStatus,
    Audience,
    CauseCategory,
    CauseRole,
    CauseStatus,
    Severity,
    Status,
)
from incidents.models import (
    Cause,
    Counter,
    Incident,
    RemediationAction,
    SearchDocument,
    Service,
    StatusUpdate,
)
from incidents.search_index import index_incidents
from timeline.choices import EventKind, EventSource
from timeline.models import TimelineEvent

SERVICE_NAMES = [
    "api-gateway", "auth", "billing", "checkout", "search", "payments", "notifications", "cdn",
    "postgres-primary", "redis-cache", "kafka", "web-frontend", "mobile-backend", "inventory",
    "shipping", "recommendations", "email-delivery", "dns", "object-storage", "ci-runners",
]  # fmt: skip
SYMPTOMS = [
    "Elevated 5xx errors on {service}", "{service} latency above SLO", "{service} unavailable",
    "Partial outage of {service}", "{service} returning stale data", "Timeouts calling {service}",
    "{service} queue backlog growing", "Degraded {service} in eu-west-1", "{service} error budget burn",
    "Intermittent failures in {service}",
]  # fmt: skip
NOTES = [
    "Paged on-call; looking at dashboards for **{service}**.",
    "Error rate is {n}% on the `{service}` pods, started around the last deploy.",
    "Rolled back the release to the previous version.",
    "Scaling {service} from {n} to {m} replicas.",
    "Customer support reports checkout failures in the EU.",
    "Connection pool exhausted: `max_connections` reached on the primary.",
    "Failover to the standby completed; replication lag {n}s.",
    "Posted an update on the status page.",
    "Latency back under the SLO for 15 minutes; keeping watch.",
    "Found a retry storm from the mobile clients; rate limiting them.",
    "Upstream provider confirms an incident on their side.",
    "Disk usage at {n}% on the log volume, rotating.",
]
ACTION_TITLES = [
    "Add an alert on {service} error budget burn", "Load-test {service} at 3× peak",
    "Write a runbook for {service} failover", "Cap retries in the {service} client",
    "Add a canary stage for {service} deploys", "Raise connection pool limits for {service}",
    "Dashboard for {service} saturation", "Automate the {service} rollback",
]  # fmt: skip
TAGS = ["customer-facing", "deploy", "database", "third-party", "eu", "us", "mobile", "security", "on-call"]
SEVERITY_WEIGHTS = [(Severity.SEV1, 5), (Severity.SEV2, 20), (Severity.SEV3, 45), (Severity.SEV4, 30)]
HUMAN_EVENT_KINDS = [
    (EventKind.NOTE, 55),
    (EventKind.ACTION, 15),
    (EventKind.ALERT, 10),
    (EventKind.DECISION, 8),
    (EventKind.COMMUNICATION, 7),
    (EventKind.MILESTONE, 5),
]


@dataclass
class Options:
    incidents: int
    events: int
    actions: int
    causes: int
    updates: int
    active_share: float
    private_share: float
    years: float
    batch: int


def _weighted(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    """Pick one value with the given weights (cheap: called for every generated row)."""
    pick = rng.random() * sum(weight for _, weight in weighted)
    for value, weight in weighted:
        pick -= weight
        if pick < 0:
            return value
    return weighted[-1][0]


class Command(BaseCommand):
    help = "Generate realistic incidents, timeline events and action items in bulk (benchmarks, demos)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, default=1000)
        parser.add_argument("--events-per-incident", type=int, default=20)
        parser.add_argument("--actions-per-incident", type=int, default=1)
        parser.add_argument("--causes-per-incident", type=int, default=1)
        parser.add_argument("--updates-per-incident", type=int, default=1)
        parser.add_argument("--users", type=int, default=50, help="responders to spread the work over")
        parser.add_argument("--active-share", type=float, default=0.02, help="share still unresolved")
        parser.add_argument("--private-share", type=float, default=0.05)
        parser.add_argument("--years", type=float, default=3.0, help="how far back the history goes")
        parser.add_argument("--batch-size", type=int, default=1000, help="incidents per transaction")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        opts = Options(
            incidents=options["incidents"],
            events=options["events_per_incident"],
            actions=options["actions_per_incident"],
            causes=options["causes_per_incident"],
            updates=options["updates_per_incident"],
            active_share=options["active_share"],
            private_share=options["private_share"],
            years=options["years"],
            batch=max(1, options["batch_size"]),
        )
        if min(opts.incidents, opts.events, opts.actions, opts.causes, opts.updates) < 0:
            raise CommandError("Counts cannot be negative.")
        # A status update's `communication` event is one of the incident's events.
        opts.updates = min(opts.updates, opts.events)
        rng = random.Random(options["seed"])  # noqa: S311 — reproducible test data, not secrets
        began = time.monotonic()
        users = self._users(options["users"])
        services = [Service.objects.get_or_create(name=name)[0] for name in SERVICE_NAMES]
        now = timezone.now()
        # Start times for the whole run, oldest first, so references grow with time as in real life.
        span = timedelta(days=365 * opts.years).total_seconds()
        starts = sorted(now - timedelta(seconds=rng.uniform(3600, span)) for _ in range(opts.incidents))
        totals = {"incidents": 0, "events": 0, "actions": 0, "causes": 0, "updates": 0}
        for offset in range(0, opts.incidents, opts.batch):
            chunk = starts[offset : offset + opts.batch]
            counts = self._write_batch(rng, opts, chunk, now, users, services)
            for key, value in counts.items():
                totals[key] += value
            if options["verbosity"] >= 2 or (offset // opts.batch) % 20 == 19:
                self.stdout.write(f"  {totals['incidents']:,} incidents, {totals['events']:,} events …")
        self._vacuum_analyze()
        elapsed = time.monotonic() - began
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {totals['incidents']:,} incidents, {totals['events']:,} timeline events, "
                f"{totals['actions']:,} action items, {totals['causes']:,} causes and "
                f"{totals['updates']:,} status updates in {elapsed:.1f} s."
            )
        )

    def _vacuum_analyze(self) -> None:
        """What PostgreSQL's documentation asks after a bulk load, and autovacuum does later on its
        own: fresh statistics for the planner, and a visibility map, without which index-only scans
        (the visible-incident count, the visibility rule's lookups) read every row's heap page."""
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        tables = [
            model._meta.db_table
            for model in (
                Incident,
                Incident.services.through,
                TimelineEvent,
                RemediationAction,
                Cause,
                StatusUpdate,
                SearchDocument,
            )
        ]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")

    def _users(self, count: int) -> list[Any]:
        User = get_user_model()
        responder = Group.objects.get_or_create(name="responder")[0]
        existing = {u.username: u for u in User.objects.filter(username__startswith="gen-")}
        new = []
        for index in range(count):
            username = f"gen-{index:03d}"
            if username not in existing:
                user = User(username=username, email=f"{username}@example.com")
                user.set_unusable_password()
                new.append(user)
        User.objects.bulk_create(new)
        users = list(User.objects.filter(username__startswith="gen-").order_by("username")[: max(count, 1)])
        responder.user_set.add(*users)
        return users

    @transaction.atomic
    def _write_batch(
        self,
        rng: random.Random,
        opts: Options,
        starts: list[datetime],
        now: datetime,
        users: list[Any],
        services: list[Service],
    ) -> dict[str, int]:
        if connection.vendor == "postgresql":
            # Generated history is reproducible: losing the last batch in a crash costs nothing.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        first = self._reserve_numbers(len(starts))
        # The service each incident is about: titles, notes and action items name it.
        main_service = {first + index: rng.choice(services) for index in range(len(starts))}
        incidents = [
            self._incident(rng, opts, first + index, started, now, users, main_service[first + index].name)
            for index, started in enumerate(starts)
        ]
        copy_insert(Incident, incidents)
        service_name = {incident.pk: main_service[incident.number].name for incident in incidents}

        links = Incident.services.through
        service_rows = []
        for incident in incidents:
            main = main_service[incident.number]
            others = rng.sample(services, k=rng.choice([0, 0, 0, 1, 2]))
            for service in {main, *others}:
                service_rows.append(links(incident_id=incident.pk, service_id=service.pk))
        copy_insert(links, service_rows)
        participants = Incident.participants.through
        copy_insert(
            participants,
            [
                participants(incident_id=incident.pk, user_id=rng.choice(users).pk)
                for incident in incidents
                if incident.private
            ],
        )

        events: list[TimelineEvent] = []
        updates: list[tuple[StatusUpdate, TimelineEvent]] = []
        for incident in incidents:
            events.extend(self._events(rng, opts, incident, now, users, service_name[incident.pk]))
            for _ in range(opts.updates):
                update, event = self._status_update(rng, incident, now)
                updates.append((update, event))
                events.append(event)
        copy_insert(TimelineEvent, events)
        for update, event in updates:
            update.event_id = event.pk
        copy_insert(StatusUpdate, [update for update, _ in updates])

        causes = [self._cause(rng, incident) for incident in incidents for _ in range(opts.causes)]
        copy_insert(Cause, causes)
        actions = [
            self._action(rng, incident, now, users, service_name[incident.pk])
            for incident in incidents
            for _ in range(opts.actions)
        ]
        copy_insert(RemediationAction, actions)
        # COPY sends no post_save: the batch is indexed for search in one statement per source.
        index_incidents([incident.pk for incident in incidents])
        return {
            "incidents": len(incidents),
            "events": len(events),
            "actions": len(actions),
            "causes": len(causes),
            "updates": len(updates),
        }

    def _reserve_numbers(self, count: int) -> int:
        """Advance the counter by `count` under its row lock; return the first number reserved."""
        Counter.objects.get_or_create(name="incident")
        Counter.objects.filter(name="incident").update(value=F("value") + count)
        return Counter.objects.get(name="incident").value - count + 1

    def _incident(
        self,
        rng: random.Random,
        opts: Options,
        number: int,
        started: datetime,
        now: datetime,
        users: list[Any],
        service: str,
    ) -> Incident:
        severity = _weighted(rng, SEVERITY_WEIGHTS)
        detected = started + timedelta(seconds=rng.randint(0, 1800))
        acknowledged = detected + timedelta(seconds=rng.randint(30, 900))
        mitigated = acknowledged + timedelta(seconds=rng.randint(300, 4 * 3600))
        resolved = mitigated + timedelta(seconds=rng.randint(300, 6 * 3600))
        # Most of what started in the last two days is still being worked on; older history mostly not.
        recent = (now - started) < timedelta(days=2)
        active_chance = max(opts.active_share * 20, 0.5) if recent else opts.active_share
        if rng.random() < active_chance:
            status = rng.choice([Status.INVESTIGATING, Status.IDENTIFIED, Status.MONITORING])
        else:
            status = Status.CLOSED if rng.random() < 0.85 else Status.RESOLVED
        timestamps: dict[str, datetime | None] = {
            "acknowledged_at": acknowledged,
            "mitigated_at": mitigated,
            "resolved_at": resolved,
        }
        if status == Status.INVESTIGATING:
            timestamps.update(mitigated_at=None, resolved_at=None)
            if rng.random() < 0.3:
                timestamps["acknowledged_at"] = None
        elif status == Status.IDENTIFIED:
            timestamps.update(mitigated_at=None, resolved_at=None)
        elif status == Status.MONITORING:
            timestamps["resolved_at"] = None
        elif rng.random() < 0.05:
            # Real records have gaps: nobody noted when the incident was acknowledged.
            timestamps["acknowledged_at"] = None
        # Nothing may lie in the future of a recent, still-open incident.
        for key, value in timestamps.items():
            if value is not None and value > now:
                timestamps[key] = None
        commander = rng.choice(users)
        return Incident(
            number=number,
            reference=f"INC-{number}",
            title=rng.choice(SYMPTOMS).format(service=service),
            summary=(
                f"Requests to **{service}** failed for part of our users. "
                f"See the timeline for the response; error rate peaked at {rng.randint(2, 60)}%."
            ),
            impact=f"About {rng.randint(1, 40)}% of requests to `{service}` failed or were slow.",
            severity=severity,
            status=status,
            commander_id=commander.pk,
            reporter_id=rng.choice(users).pk,
            private=rng.random() < opts.private_share,
            tags=rng.sample(TAGS, k=rng.randint(0, 3)),
            started_at=started,
            detected_at=detected,
            **timestamps,
        )

    def _events(
        self,
        rng: random.Random,
        opts: Options,
        incident: Incident,
        now: datetime,
        users: list[Any],
        service: str,
    ) -> list[TimelineEvent]:
        if opts.events - opts.updates <= 0:
            return []
        end = incident.resolved_at or min(now, incident.detected_at + timedelta(hours=8))
        window = max((end - incident.detected_at).total_seconds(), 60.0)
        events = [
            TimelineEvent(
                incident_id=incident.pk,
                occurred_at=incident.detected_at,
                recorded_at=incident.detected_at + timedelta(seconds=rng.randint(5, 120)),
                kind=EventKind.DETECTION,
                body=f"Alert fired: {incident.title}.",
                author_id=None,
                source=EventSource.WEBHOOK,
                is_key=True,
            )
        ]
        for _ in range(opts.events - opts.updates - 1):
            occurred = incident.detected_at + timedelta(seconds=rng.uniform(0, window))
            recorded = min(occurred + timedelta(seconds=rng.randint(1, 600)), now)
            kind = _weighted(rng, HUMAN_EVENT_KINDS)
            events.append(
                TimelineEvent(
                    incident_id=incident.pk,
                    occurred_at=occurred,
                    recorded_at=max(recorded, occurred),
                    kind=kind,
                    body=rng.choice(NOTES).format(
                        service=service, n=rng.randint(2, 95), m=rng.randint(10, 60)
                    ),
                    author_id=None if kind == EventKind.ALERT else rng.choice(users).pk,
                    source=EventSource.WEBHOOK if kind == EventKind.ALERT else EventSource.WEB,
                    is_key=rng.random() < 0.1,
                )
            )
        return events

    def _status_update(
        self, rng: random.Random, incident: Incident, now: datetime
    ) -> tuple[StatusUpdate, TimelineEvent]:
        posted = min(incident.detected_at + timedelta(minutes=rng.randint(5, 60)), now)
        audience = Audience.PUBLIC if rng.random() < 0.6 else Audience.INTERNAL
        message = "We are investigating elevated error rates and will update within 30 minutes."
        event = TimelineEvent(
            incident_id=incident.pk,
            occurred_at=posted,
            recorded_at=posted,
            kind=EventKind.COMMUNICATION,
            body=message,
            author_id=incident.commander_id,
            source=EventSource.WEB,
        )
        update = StatusUpdate(
            incident_id=incident.pk,
            audience=audience,
            status=Status.INVESTIGATING,
            message=message,
            author_id=incident.commander_id,
            posted_at=posted,
        )
        return update, event

    def _cause(self, rng: random.Random, incident: Incident) -> Cause:
        category = rng.choice(list(CauseCategory))
        resolved = incident.resolved_at is not None
        return Cause(
            incident_id=incident.pk,
            category=category,
            role=rng.choice(list(CauseRole)),
            status=rng.choice([CauseStatus.CONFIRMED, CauseStatus.CONFIRMED, CauseStatus.RULED_OUT])
            if resolved
            else CauseStatus.SUSPECTED,
            description=f"A {category} problem: see the timeline for the evidence.",
            status_changed_at=incident.resolved_at,
        )

    def _action(
        self, rng: random.Random, incident: Incident, now: datetime, users: list[Any], service: str
    ) -> RemediationAction:
        priority = rng.choice(list(ActionPriority))
        created = incident.resolved_at or incident.detected_at
        due: date = (created + timedelta(days={"P1": 14, "P2": 28, "P3": 56}[priority])).date()
        age = now - created
        if age > timedelta(days=90):
            status = _weighted(
                rng, [(ActionStatus.DONE, 80), (ActionStatus.WONT_DO, 8), (ActionStatus.OPEN, 12)]
            )
        else:
            status = _weighted(
                rng, [(ActionStatus.OPEN, 50), (ActionStatus.IN_PROGRESS, 25), (ActionStatus.DONE, 25)]
            )
        completed_at = None
        note = ""
        if status == ActionStatus.DONE:
            completed_at = min(created + timedelta(days=rng.randint(1, 60)), now)
            note = "Shipped; see the linked ticket."
        elif status == ActionStatus.WONT_DO:
            completed_at = min(created + timedelta(days=rng.randint(1, 60)), now)
            note = "Superseded by the platform migration."
        return RemediationAction(
            incident_id=incident.pk,
            title=rng.choice(ACTION_TITLES).format(service=service),
            kind=rng.choice(list(ActionKind)),
            priority=priority,
            owner_id=rng.choice(users).pk,
            due_date=due,
            status=status,
            completed_at=completed_at,
            completion_note=note,
        )
