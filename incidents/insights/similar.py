"""Similar past incidents: what a responder should read before repeating an old investigation.

An earlier incident scores for each service it shares with this one, for each cause category it
shares (ruled-out causes do not count), and for the overlap of the words of its title and summary
(Jaccard similarity of normalised words, stop words left out). Recurrences (a shared service *and*
cause category, `recurrence.related_incidents`) rank above the rest. Each result says why it matched.
Only incidents the reader may see are considered; the incident itself and its duplicates (or the
incident it duplicates) are left out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from incidents import selectors
from incidents.choices import CauseStatus
from incidents.insights.recurrence import related_incidents
from incidents.models import Cause, Incident, Service
from incidents.postmortems.choices import PostmortemStatus
from incidents.postmortems.models import Postmortem
from timeline.actors import Actor

CANDIDATES = 500  # the most recent earlier incidents that share something are compared
MIN_TITLE_SIMILARITY = 0.2
# Words shorter than three letters are dropped anyway.
STOP_WORDS = frozenset(
    {"and", "are", "for", "from", "has", "the", "was", "were", "with", "after", "during", "not", "all", "our"}
)
# A title half the same weighs as much as a shared service, which many unrelated incidents have.
SERVICE_WEIGHT, CAUSE_WEIGHT, WORDS_WEIGHT, RECURRENCE_BONUS = 3.0, 2.0, 6.0, 2.0


@dataclass
class SimilarIncident:
    incident: Incident
    score: float
    reasons: list[str] = field(default_factory=list)
    postmortem_url: str | None = None  # the published postmortem, when there is one


def words(text: str) -> set[str]:
    """Return the normalised words of `text`: lower case, no stop words, plural `s` dropped."""
    found = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        if word in STOP_WORDS or len(word) < 3:
            continue
        found.add(word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word)
    return found


def jaccard(left: set[str], right: set[str]) -> float:
    return len(left & right) / len(left | right) if left and right else 0.0


def _categories(incident_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    rows = (
        Cause.objects.filter(incident_id__in=incident_ids)
        .exclude(status=CauseStatus.RULED_OUT)
        .values_list("incident_id", "category")
    )
    for incident_id, category in rows:
        found[incident_id].add(category)
    return found


def similar_incidents(*, user: Actor, incident: Incident, limit: int = 20) -> list[SimilarIncident]:
    """Return earlier incidents like this one that `user` may see, best match first."""
    family = Q(pk=incident.pk) | Q(duplicate_of=incident)
    if incident.duplicate_of_id:
        family |= Q(pk=incident.duplicate_of_id) | Q(duplicate_of_id=incident.duplicate_of_id)
    return _ranked(
        user=user,
        services={service.pk: service.name for service in incident.services.all()},
        categories=_categories([incident.pk]).get(incident.pk, set()),
        own_words=words(f"{incident.title} {incident.summary}"),
        before=incident.started_at,
        exclude=family,
        recurrences={other.pk for other in related_incidents(user=user, incident=incident)},
        limit=limit,
    )


def similar_to_draft(
    *, user: Actor, title: str, summary: str = "", services: Iterable[str] = (), limit: int = 5
) -> list[SimilarIncident]:
    """Return past incidents like one being declared (its title, summary and service names so far)."""
    names = [name.strip() for name in services if name and name.strip()]
    known = dict(Service.objects.filter(name__in=names).values_list("pk", "name")) if names else {}
    own_words = words(f"{title} {summary}")
    if not own_words and not known:
        return []
    return _ranked(
        user=user,
        services=known,
        categories=set(),
        own_words=own_words,
        before=timezone.now(),
        exclude=Q(pk__in=[]),
        recurrences=set(),
        limit=limit,
    )


def _ranked(
    *,
    user: Actor,
    services: dict[int, str],
    categories: set[str],
    own_words: set[str],
    before: datetime,
    exclude: Q,
    recurrences: set[int],
    limit: int,
) -> list[SimilarIncident]:
    shares = Q(pk__in=[])
    if services:
        shares |= Q(services__in=list(services))
    if categories:
        shares |= Q(causes__category__in=categories) & ~Q(causes__status=CauseStatus.RULED_OUT)
    for word in sorted(own_words, key=len, reverse=True)[:8]:
        shares |= Q(title__icontains=word)
    candidate_ids = list(
        selectors.incident_list(user=user)
        .filter(shares, started_at__lte=before)
        .exclude(exclude)
        .order_by("-started_at", "-number")
        .values_list("pk", flat=True)
        .distinct()[:CANDIDATES]
    )
    if not candidate_ids:
        return []
    candidates = (
        selectors.incident_list(user=user)
        .filter(pk__in=candidate_ids)
        .prefetch_related("services")
        .order_by()
    )
    their_categories = _categories(candidate_ids)

    results: list[SimilarIncident] = []
    for other in candidates:
        match = SimilarIncident(incident=other, score=0.0)
        for name in sorted(services[s.pk] for s in other.services.all() if s.pk in services):
            match.score += SERVICE_WEIGHT
            match.reasons.append(f"service: {name}")
        for category in sorted(categories & their_categories.get(other.pk, set())):
            match.score += CAUSE_WEIGHT
            match.reasons.append(f"cause: {category}")
        overlap = jaccard(own_words, words(f"{other.title} {other.summary}"))
        if overlap >= MIN_TITLE_SIMILARITY:
            match.score += WORDS_WEIGHT * overlap
            match.reasons.append("similar title")
        if other.pk in recurrences:
            match.score += RECURRENCE_BONUS
        if match.reasons:
            results.append(match)
    results.sort(key=lambda m: (m.score, m.incident.started_at), reverse=True)
    results = results[:limit]

    published = set(
        Postmortem.objects.filter(
            incident_id__in=[m.incident.pk for m in results], status=PostmortemStatus.PUBLISHED
        ).values_list("incident_id", flat=True)
    )
    for match in results:
        if match.incident.pk in published:
            match.postmortem_url = reverse("postmortem-read", args=[match.incident.reference])
    return results
