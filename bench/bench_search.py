"""Search benchmark: full-text search over 100,000 incidents × 20 timeline entries on PostgreSQL.

    .venv/bin/python bench/bench_search.py                    # the full run (a few minutes)
    INCIDENTS=5000 .venv/bin/python bench/bench_search.py     # a quick look
    .venv/bin/python bench/bench_search.py --reuse            # measure again, same database

Builds its own database (BENCH_SEARCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/hs_bench_search, dropped and created afresh) with
`generate_data` (COPY; each batch indexed in bulk as it is written: 100,000 incidents, 2,000,000
timeline entries, 5 % private), adds a few rare entries through the services (indexed by the save
hooks), then rebuilds the index (`rebuild_search_index`, timed) and measures realistic queries —
a common word, a rare word, a phrase, two words, and a common word with `type`, `service` and
`since` — as a responder and as a viewer (private incidents in the data, hidden from both but
their own), through the selector (`search()`: exact count + first page of 20, what the API does)
and through `GET /api/v1/search/` served by gunicorn (2 sync workers) while a writer adds timeline
entries through the API. Prints p50/p95 per query; the target is p50 < 50 ms on each.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.bench_http import BackgroundWriter  # noqa: E402
from bench.harness import log, percentile  # noqa: E402

INCIDENTS = int(os.environ.get("INCIDENTS", "100000"))
EVENTS = 20
RUNS = int(os.environ.get("RUNS", "30"))  # timed runs of each query, after two warm-up runs
TARGET_P50_MS = 50.0
WRITES_PER_SECOND = 10.0
MIDDLING_INCIDENTS = 200  # each gets 10 entries naming a less common technology, added in bulk
RARE = [
    "Zookeeper quorum lost after a split-brain between the two racks.",
    "The TLS certificate for the partner endpoint expired overnight.",
    "Kernel livelock on the storage nodes after the firmware upgrade.",
]


def queries() -> list[tuple[str, dict[str, str]]]:
    from django.utils import timezone

    since = (timezone.now() - timedelta(days=30)).isoformat()
    return [
        ("common word", {"q": "latency"}),
        ("rare word", {"q": "zookeeper"}),
        ("less common word (~2,000 matches)", {"q": "cassandra"}),
        ("phrase", {"q": '"connection pool"'}),
        ("two words", {"q": "replication lag"}),
        ("common word, type=incident", {"q": "latency", "type": "incident"}),
        ("common word, service=checkout", {"q": "latency", "service": "checkout"}),
        ("common word, since=30 days", {"q": "latency", "since": since}),
    ]


def build() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from incidents.models import Incident, SearchDocument
    from incidents.search_index import rebuild
    from timeline.services import timeline_event_add

    began = time.monotonic()
    call_command(
        "generate_data",
        incidents=INCIDENTS,
        events_per_incident=EVENTS,
        private_share=0.05,
        batch_size=2000,
        seed=7,
        verbosity=0,
    )
    generated = time.monotonic() - began
    User = get_user_model()
    responder = User.objects.create_user("bench-search-responder", password="bench-search-password")
    responder.groups.add(Group.objects.get(name="responder"))
    viewer = User.objects.create_user("bench-search-viewer", password="bench-search-password")
    viewer.groups.add(Group.objects.get_or_create(name="viewer")[0])
    rare_incidents = list(Incident.objects.order_by("?").values_list("pk", flat=True)[:30])
    for number, pk in enumerate(rare_incidents):
        timeline_event_add(incident=Incident.objects.get(pk=pk), actor=None, body=RARE[number % len(RARE)])
    began = time.monotonic()
    counts = rebuild()
    rebuilt = time.monotonic() - began
    log(
        f"Built {Incident.objects.count():,} incidents and {SearchDocument.objects.count():,} search "
        f"documents ({', '.join(f'{v:,} {k}' for k, v in counts.items())}): generate_data "
        f"{generated:.0f} s (indexing each batch as it goes), rebuild_search_index {rebuilt:.0f} s"
    )
    return fixtures()


def add_middling() -> None:
    """2,000 entries about Cassandra compaction in 200 incidents, through the bulk writer (indexed
    by its events_added hook): a word with a realistic number of matches, between rare and common."""
    from incidents.models import Incident
    from timeline.services import NewEntry, timeline_events_add_many

    for pk in Incident.objects.order_by("?").values_list("pk", flat=True)[:MIDDLING_INCIDENTS]:
        timeline_events_add_many(
            incident=Incident.objects.get(pk=pk),
            entries=[
                NewEntry(actor=None, body=f"Cassandra compaction backlog on node {n}; throttling writes.")
                for n in range(10)
            ],
        )


def fixtures() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from incidents.models import Incident, SearchDocument
    from incidents.services.accounts import api_token_create

    if not SearchDocument.objects.filter(body__startswith="Cassandra compaction").exists():
        add_middling()
    User = get_user_model()
    responder = User.objects.get(username="bench-search-responder")
    viewer = User.objects.get(username="bench-search-viewer")
    _, responder_token = api_token_create(user=responder, name="bench")
    _, viewer_token = api_token_create(user=viewer, name="bench")
    writer_ids = list(Incident.objects.filter(private=False).values_list("pk", flat=True)[:50])
    return {
        "users": {"responder": responder, "viewer": viewer},
        "tokens": {"responder": responder_token, "viewer": viewer_token},
        "writer_ids": writer_ids,
    }


def time_selector(user: Any, params: dict[str, str]) -> tuple[list[float], int]:
    from django.utils.dateparse import parse_datetime

    from incidents.search import search

    def once() -> int:
        results = search(
            user=user,
            query=params["q"],
            type=params.get("type"),
            service=params.get("service"),
            since=parse_datetime(params["since"]) if "since" in params else None,
        )
        count = results.count()
        results[0:20]
        return count

    once()
    once()
    timings = []
    count = 0
    for _ in range(RUNS):
        began = time.perf_counter()
        count = once()
        timings.append((time.perf_counter() - began) * 1000)
    return timings, count


def time_http(base: str, token: str, params: dict[str, str]) -> tuple[list[float], int]:
    url = f"{base}/api/v1/search/?{urlencode(params)}"
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    count = 0
    for _ in range(2):
        harness.http_get(url, headers)
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        status, body = harness.http_get(url, headers)
        timings.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}: {body[:200]!r}")
        count = json.loads(body)["count"]
    return timings, count


def line(label: str, timings: list[float], count: int, misses: list[str]) -> dict[str, float]:
    p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
    ok = p50 < TARGET_P50_MS
    if not ok:
        misses.append(f"{label}: p50 {p50:.1f} ms")
    log(f"  {label:<58} {count:>9,} {p50:8.1f} {p95:8.1f}  {'ok' if ok else 'MISSED'}")
    return {"p50_ms": p50, "p95_ms": p95, "count": count}


def main() -> int:
    reuse = "--reuse" in sys.argv  # measure again on the database of the last run
    database_url = os.environ.get(
        "BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hs_bench_search"
    )
    env = harness.django_env(database_url)
    log(f"Search benchmark: {INCIDENTS:,} incidents × {EVENTS} entries, PostgreSQL, {RUNS} runs per query")
    if not reuse:
        harness.recreate_database(database_url)
    harness.manage("migrate", "--noinput", env=env, quiet=True)
    harness.setup_django(database_url)
    fx = fixtures() if reuse else build()
    misses: list[str] = []
    figures: dict[str, Any] = {}
    header = f"  {'query':<58} {'count':>9} {'p50 ms':>8} {'p95 ms':>8}"
    log("")
    log("Through the selector (search(): exact count + first page of 20), target p50 < 50 ms")
    log(header)
    for persona in ("responder", "viewer"):
        for label, params in queries():
            timings, count = time_selector(fx["users"][persona], params)
            figures[f"selector {persona} {label}"] = line(f"{persona}: {label}", timings, count, misses)
    from django.db import connections

    connections.close_all()
    log("")
    log(
        "Through GET /api/v1/search/ (gunicorn, 2 workers) "
        f"while a writer adds {WRITES_PER_SECOND:.0f} entries/s"
    )
    log(header)
    with harness.gunicorn(env) as base:
        writer = BackgroundWriter(base, fx["tokens"]["responder"], fx["writer_ids"], WRITES_PER_SECOND)
        with writer:
            for persona in ("responder", "viewer"):
                for label, params in queries():
                    timings, count = time_http(base, fx["tokens"][persona], params)
                    figures[f"http {persona} {label}"] = line(f"{persona}: {label}", timings, count, misses)
        log(
            f"  background writer: {writer.rate():.1f} entries/s achieved, {writer.done:,} written, "
            f"{writer.failed} failed"
        )
    harness.OUT.mkdir(parents=True, exist_ok=True)
    (harness.OUT / "search.json").write_text(json.dumps(figures, indent=1))
    log("")
    if misses:
        log("Targets missed:")
        for miss in misses:
            log(f"  - {miss}")
        return 1
    log("Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
