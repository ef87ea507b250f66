"""The status page's 90-day uptime bar: one per public service, from what public updates announced.

A public update sets the state of its incident's services from the moment it is posted until the
incident's next public update (the last one holds until now). Only non-private, countable incidents
count, and only their public updates: declaring an incident or posting an internal update changes
nothing here, as on the rest of the status page. Days are UTC days, like every time on that page.
A day is coloured by the worst state announced at any moment of it. Uptime is the share of the
window not announced as a partial or major outage (degraded performance and minor issues are slow,
not down).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from incidents import selectors
from incidents.choices import Audience, ServiceState
from incidents.models import Incident, StatusUpdate
from incidents.services.updates import public_service_state

UPTIME_DAYS = 90
DOWN_STATES = frozenset({ServiceState.PARTIAL_OUTAGE, ServiceState.MAJOR_OUTAGE})
STATE_ORDER = list(ServiceState.values)


@dataclass(frozen=True)
class Span:
    """A stretch of time during which one public incident announced one state for its services."""

    start: datetime
    end: datetime
    state: str
    incident: Incident


@dataclass(frozen=True)
class UptimeDay:
    day: date
    state: str
    incidents: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return ServiceState(self.state).label if self.incidents else "No incidents"

    @property
    def text(self) -> str:
        """What the day's tooltip and its screen-reader text say."""
        when = self.day.strftime("%-d %b %Y")
        if not self.incidents:
            return f"{when}: no incidents"
        return f"{when}: {self.label} — {'; '.join(self.incidents)}"


@dataclass(frozen=True)
class ServiceUptime:
    name: str
    days: list[UptimeDay]
    down_seconds: float
    window_seconds: float
    incident_days: int = field(default=0)

    @property
    def uptime_percent(self) -> float:
        if self.window_seconds <= 0:
            return 100.0
        return 100.0 * (1 - self.down_seconds / self.window_seconds)

    @property
    def uptime_label(self) -> str:
        """The uptime with two decimals, never rounded up to 100% when there was downtime."""
        if self.down_seconds <= 0:
            return "100%"
        hundredths = int(self.uptime_percent * 100)  # truncated: 99.999 reads 99.99, not 100.00
        return f"{hundredths / 100:.2f}%"


def window_start(now: datetime, days: int = UPTIME_DAYS) -> datetime:
    """Return midnight UTC of the first of the `days` days that end with today (UTC)."""
    today = now.astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=UTC)


def announced_state(update: StatusUpdate) -> str:
    """Return the service state a public update announced (derived for updates older than the field)."""
    if update.service_state:
        return update.service_state
    return public_service_state(status=update.status, severity=update.incident.severity)


def public_spans(*, start: datetime, now: datetime) -> list[Span]:
    """Return the non-operational spans public incidents announced that overlap [start, now).

    Read are the public updates of non-private, countable incidents that either posted a public
    update since `start` or posted one before it (its state may still hold); spans are cut to
    the window.
    """
    public = StatusUpdate.objects.filter(audience=Audience.PUBLIC, posted_at__lt=now)
    incidents = Incident.objects.countable().filter(
        Exists(public.filter(incident=OuterRef("pk"))), private=False
    )
    updates = (
        public.filter(incident__in=incidents.values("pk"))
        .filter(Q(posted_at__gte=start) | Q(incident__in=_open_before(start, public)))
        .select_related("incident")
        .prefetch_related("incident__services")
        .order_by("incident_id", "posted_at", "id")
    )
    by_incident: dict[int, list[StatusUpdate]] = defaultdict(list)
    for update in updates:
        by_incident[update.incident_id].append(update)
    spans = []
    for incident_updates in by_incident.values():
        incident = incident_updates[0].incident
        ends = [update.posted_at for update in incident_updates[1:]] + [now]
        for update, end in zip(incident_updates, ends, strict=True):
            state = announced_state(update)
            span_start, span_end = max(update.posted_at, start), min(end, now)
            if state != ServiceState.OPERATIONAL and span_start < span_end:
                spans.append(Span(start=span_start, end=span_end, state=state, incident=incident))
    return spans


def _open_before(start: datetime, public: QuerySet[StatusUpdate]) -> list[int]:
    """Return ids of incidents whose last public update before `start` may still hold at `start`."""
    last_before = (
        public.filter(incident=OuterRef("incident"), posted_at__lt=start)
        .order_by("-posted_at", "-id")
        .values("pk")[:1]
    )
    candidates = public.filter(posted_at__lt=start, pk=last_before).select_related("incident")
    return [
        update.incident_id for update in candidates if announced_state(update) != ServiceState.OPERATIONAL
    ]


def _worst(states: list[str]) -> str:
    return max(states, key=STATE_ORDER.index, default=ServiceState.OPERATIONAL)


def _down_seconds(spans: list[Span]) -> float:
    """Return the seconds covered by outage spans, counting overlapping incidents once."""
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for span in sorted((s for s in spans if s.state in DOWN_STATES), key=lambda s: s.start):
        if current_end is None or span.start > current_end:
            if current_start is not None and current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = span.start, span.end
        else:
            current_end = max(current_end, span.end)
    if current_start is not None and current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def _days(spans: list[Span], start: datetime, days: int) -> list[UptimeDay]:
    result = []
    for offset in range(days):
        day_start = start + timedelta(days=offset)
        day_end = day_start + timedelta(days=1)
        that_day = [span for span in spans if span.start < day_end and span.end > day_start]
        names = sorted(
            {
                # Isolated: a title's direction controls must not reverse the text after it.
                (span.incident.number, f"\u2068{span.incident.title}\u2069 ({span.incident.reference})")
                for span in that_day
            }
        )
        result.append(
            UptimeDay(
                day=day_start.date(),
                state=_worst([span.state for span in that_day]),
                incidents=tuple(name for _, name in names),
            )
        )
    return result


def service_uptime(*, now: datetime | None = None, days: int = UPTIME_DAYS) -> list[ServiceUptime]:
    """Return each service the public may know of with its last `days` days, oldest first."""
    now = now or timezone.now()
    start = window_start(now, days)
    by_service: dict[int, list[Span]] = defaultdict(list)
    for span in public_spans(start=start, now=now):
        for service in span.incident.services.all():
            by_service[service.pk].append(span)
    window_seconds = (now - start).total_seconds()
    rows = []
    for service in selectors.services_visible_to(AnonymousUser()):
        spans = by_service[service.pk]
        day_rows = _days(spans, start, days)
        rows.append(
            ServiceUptime(
                name=service.name,
                days=day_rows,
                down_seconds=_down_seconds(spans),
                window_seconds=window_seconds,
                incident_days=sum(1 for day in day_rows if day.incidents),
            )
        )
    return rows
