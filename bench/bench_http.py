"""HTTP benchmark: Hindsight's main endpoints against a bare DRF endpoint, in the same run.

    .venv/bin/python bench/bench_http.py            # full run (about 15 minutes)
    .venv/bin/python bench/bench_http.py --quick    # 3 s × 1 run, no growth phase (a smoke test)

gunicorn (2 sync workers, production settings over plain HTTP) serves a PostgreSQL database of its
own (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hs_bench, dropped and created
afresh). wrk (one thread, 4 connections, 10 s per endpoint, 3 runs; the runs are interleaved across
endpoints so that noise from other work on the machine spreads evenly) measures each endpoint; the
figures are medians over the runs, and each throughput is printed as a ratio to the bare endpoint's
(`/bench/bare/`, a constant small JSON object served by the same process, see bench/urls.py).

Phases: 1,000 incidents × 20 events; then 100,000 incidents × 20 events (2,000,000 events), where
p50 latency must stay within 1.3× of the first phase; and one incident with 10,000 events whose
page must answer in under 100 ms at p50.

Reads are measured while writes run, as users meet them: a writer adds timeline entries through
the API at WRITES_PER_SECOND (≥ 20/s), round-robin across 50 public incidents that include the ones
being read, for the whole of every measurement. Its achieved rate is printed beside the figures.
The write endpoint itself is measured by wrk as before (the writer keeps running then too).

`--quick` ends by writing bench/out/http-summary.json:
`{"concurrent_writes_per_s": …, "ratios": {"list": …, "detail": …, "timeline": …, "create": …, "page": …}}`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import Series, log  # noqa: E402

SMALL = 1_000
LARGE = 100_000
EVENTS = 20
BIG_TIMELINE = 10_000
WRITES_PER_SECOND = 25.0
WRITER_INCIDENTS = 50


@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    target_ratio: float | None
    headers: dict[str, str]
    script: str | None = None  # wrk Lua script (writes)


def ensure_wrk() -> None:
    if harness.wrk_available():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk is missing: installing Debian's package (apt-get install -y wrk) …")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)
        if not harness.wrk_available():
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)
    if not harness.wrk_available():
        raise SystemExit("wrk is required: `sudo apt-get install wrk` (Debian's package).")


def generate(database_url: str, incidents: int, events: int, **extra: int) -> None:
    from django.core.management import call_command

    log(f"Generating {incidents:,} incidents × {events} events …")
    call_command(
        "generate_data",
        incidents=incidents,
        events_per_incident=events,
        actions_per_incident=extra.get("actions", 1),
        causes_per_incident=extra.get("causes", 1),
        updates_per_incident=extra.get("updates", 1),
        private_share=extra.get("private_share", 0.05),
        batch_size=1000,
        seed=extra.get("seed", 7),
    )


def fixtures() -> dict[str, Any]:
    """Create the signed-in responder the load generator acts as; pick the incidents it reads."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from incidents.models import Incident
    from incidents.services.accounts import api_token_create

    User = get_user_model()
    user, created = User.objects.get_or_create(username="bench-responder")
    if created:
        user.set_password("bench-responder-password")
        user.save()
        user.groups.add(Group.objects.get(name="responder"))
    _, key = api_token_create(user=user, name="benchmark")
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    public = Incident.objects.filter(private=False).order_by("number")
    count = public.count()
    middle = public[count // 2]
    writes = list(public.values_list("pk", flat=True)[: min(count, 200) : 4])
    # The background writer's incidents: the newest public ones (what the list shows first) and
    # the incident whose detail, timeline and page are measured.
    newest = list(
        public.order_by("-started_at", "-number").values_list("pk", flat=True)[: WRITER_INCIDENTS - 1]
    )
    writer_ids = [middle.pk, *[pk for pk in newest if pk != middle.pk]][:WRITER_INCIDENTS]
    return {
        "token": key,
        "session": session,
        "incident": middle,
        "write_ids": writes,
        "writer_ids": writer_ids,
    }


class BackgroundWriter:
    """Add timeline entries through the API at a steady rate while reads are measured.

    Several writers (as several responders would be), each on its own keep-alive connection, take
    turns from one schedule paced by the clock: a slow answer is caught up, never skipped, so the
    achieved rate that `rate()` reports is what the server sustained. Failed writes are counted.
    """

    CONNECTIONS = 4

    def __init__(self, base: str, token: str, incident_ids: list[int], per_second: float) -> None:
        self.base = urlsplit(base)
        self.token = token
        self.incident_ids = list(incident_ids)
        self.interval = 1.0 / per_second
        self.done = 0
        self.failed = 0
        self.started = 0.0
        self.stopped = 0.0
        self._issued = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"bench-writer-{n}", daemon=True)
            for n in range(self.CONNECTIONS)
        ]

    def add_incident(self, pk: int) -> None:
        if pk not in self.incident_ids:
            self.incident_ids[-1] = pk

    def __enter__(self) -> BackgroundWriter:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        self.stopped = time.monotonic()

    def rate(self) -> float:
        elapsed = (self.stopped or time.monotonic()) - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.base.hostname or "127.0.0.1", self.base.port, timeout=10)

    def _next(self) -> tuple[int, float]:
        """Take the next write off the schedule: its number and when it is due."""
        with self._lock:
            self._issued += 1
            return self._issued, self.started + self._issued * self.interval

    def _run(self) -> None:
        connection = self._connection()
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}"}
        while not self._stop.is_set():
            n, due = self._next()
            delay = due - time.monotonic()
            if delay > 0 and self._stop.wait(delay):
                break
            pk = self.incident_ids[n % len(self.incident_ids)]
            body = json.dumps(
                {"kind": "note", "body": f"Writer entry {n}: error rate on **api** back to normal."}
            )
            try:
                connection.request("POST", f"/api/v1/incidents/{pk}/timeline/", body, headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 201
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = self._connection()
            with self._lock:
                if ok:
                    self.done += 1
                else:
                    self.failed += 1
        connection.close()


def post_script(token: str, incident_ids: list[int]) -> str:
    ids = ", ".join(str(pk) for pk in incident_ids)
    return f"""
local ids = {{{ids}}}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token {token}"
request = function()
  n = n + 1
  local id = ids[(n % #ids) + 1]
  local body = '{{"kind": "note", "body": "Benchmark note ' .. n .. ': latency on **api** back to normal."}}'
  return wrk.format("POST", "/api/v1/incidents/" .. id .. "/timeline/", nil, body)
end
"""


def poll_script(path: str) -> str:
    """A client that polls a timeline as a dashboard would: it sends back the ETag it last saw."""
    return f"""
local etag = nil
request = function()
  if etag then wrk.headers["If-None-Match"] = etag end
  return wrk.format("GET", "{path}")
end
response = function(status, headers, body)
  if headers["ETag"] then etag = headers["ETag"] end
end
"""


def endpoints(fx: dict[str, Any]) -> list[Endpoint]:
    from django.conf import settings
    from django.urls import NoReverseMatch

    api = {"Authorization": f"Token {fx['token']}", "Accept": "application/json"}
    incident = fx["incident"]
    try:
        page = incident.get_absolute_url()
    except NoReverseMatch:
        page = f"/incidents/{incident.reference}/"
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={fx['session']}"}
    return [
        Endpoint("bare", "bare DRF endpoint (constant JSON)", "/bench/bare/", None, {}),
        Endpoint("list", "GET /api/v1/incidents/ (page of 20)", "/api/v1/incidents/", 0.15, api),
        Endpoint("detail", "GET /api/v1/incidents/{id}/", f"/api/v1/incidents/{incident.pk}/", 0.30, api),
        Endpoint(
            "timeline",
            "GET /api/v1/incidents/{id}/timeline/",
            f"/api/v1/incidents/{incident.pk}/timeline/",
            0.30,
            api,
        ),
        Endpoint(
            "post",
            "POST /api/v1/incidents/{id}/timeline/",
            f"/api/v1/incidents/{incident.pk}/timeline/",
            0.25,
            {},
            post_script(fx["token"], fx["write_ids"]),
        ),
        Endpoint("page", "incident page (HTML, signed in)", page, 0.10, cookie),
        Endpoint(
            "poll",
            "GET …/timeline/ polled with If-None-Match",
            f"/api/v1/incidents/{incident.pk}/timeline/",
            None,
            api,
            poll_script(f"/api/v1/incidents/{incident.pk}/timeline/"),
        ),
    ]


def probe(base: str, endpoint: Endpoint, fx: dict[str, Any]) -> str | None:
    """Return why the endpoint cannot be measured (not built yet, an error), or None."""
    if endpoint.script and endpoint.key != "poll":
        status, body = harness.http_send(
            base + endpoint.path,
            "POST",
            {"kind": "note", "body": "Benchmark probe."},
            {"Authorization": f"Token {fx['token']}"},
        )
        expected = {201}
    else:
        status, body = harness.http_get(base + endpoint.path, endpoint.headers)
        expected = {200}
    if status not in expected:
        return f"answers {status}: {body[:120]!r}"
    return None


def measure(
    base: str, eps: list[Endpoint], fx: dict[str, Any], runs: int, seconds: int
) -> tuple[dict[str, Series | str], BackgroundWriter]:
    """Measure every endpoint while the background writer runs; return the figures and the writer."""
    writer = BackgroundWriter(base, fx["token"], fx["writer_ids"], WRITES_PER_SECOND)
    for endpoint in eps:
        if endpoint.key.startswith("big_"):
            writer.add_incident(fx["big_incident"].pk)
    with writer:
        results = _measure(base, eps, fx, runs, seconds)
    log(
        f"  background writer: {writer.rate():.1f} timeline entries/s achieved "
        f"(target {WRITES_PER_SECOND:.0f}/s), {writer.done:,} written, {writer.failed} failed"
    )
    return results, writer


def _measure(
    base: str, eps: list[Endpoint], fx: dict[str, Any], runs: int, seconds: int
) -> dict[str, Series | str]:
    results: dict[str, Series | str] = {}
    live: list[Endpoint] = []
    for endpoint in eps:
        problem = probe(base, endpoint, fx)
        if problem:
            log(f"  skipping {endpoint.label}: {problem}")
            results[endpoint.key] = f"unavailable ({problem[:60]})"
        else:
            live.append(endpoint)
            results[endpoint.key] = Series()
            # Warm up: imports, template loading, connection setup, PostgreSQL's caches.
            harness.wrk(base + endpoint.path, seconds=2, headers=endpoint.headers, script=endpoint.script)
    for run in range(runs):
        for endpoint in live:
            result = harness.wrk(
                base + endpoint.path, seconds=seconds, headers=endpoint.headers, script=endpoint.script
            )
            series = results[endpoint.key]
            assert isinstance(series, Series)
            series.runs.append(result)
            log(
                f"  run {run + 1}/{runs} {endpoint.label:<42} {result.requests_per_second:8.1f} req/s  "
                f"p50 {result.p50_ms:7.2f} ms  errors {result.errors}"
            )
    return results


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(
    title: str,
    eps: list[Endpoint],
    results: dict[str, Series | str],
    misses: list[str],
    writer: BackgroundWriter,
) -> dict[str, Any]:
    bare = results.get("bare")
    bare_rps = bare.rps if isinstance(bare, Series) else float("nan")
    log("")
    log(f"{title}, while {writer.rate():.1f} timeline entries/s are written")
    if writer.rate() < 20:
        misses.append(f"{title}: the background writer reached {writer.rate():.1f} writes/s (needs ≥ 20)")
    log(
        f"  {'endpoint':<42} {'req/s':>8} {'ratio':>6} {'target':>8}      "
        f"{'p50 ms':>7} {'p99 ms':>7} {'errors':>6}"
    )
    summary: dict[str, Any] = {}
    for endpoint in eps:
        series = results[endpoint.key]
        if not isinstance(series, Series):
            log(f"  {endpoint.label:<42} {series}")
            misses.append(f"{endpoint.label}: {series}")
            continue
        ratio = series.rps / bare_rps
        if endpoint.target_ratio is None:
            target = "—"
            verdict = ""
        else:
            target = f"≥ {endpoint.target_ratio:.2f}"
            ok = ratio >= endpoint.target_ratio and series.errors == 0
            verdict = mark(ok)
            if not ok:
                misses.append(f"{title}: {endpoint.label} ratio {ratio:.3f} (target {target})")
        log(
            f"  {endpoint.label:<42} {series.rps:8.1f} {ratio:6.3f} {target:>8} {verdict:<6}"
            f" {series.p50_ms:7.2f} {series.p99_ms:7.2f} {series.errors:6d}"
        )
        summary[endpoint.key] = {
            "rps": series.rps,
            "ratio": ratio,
            "p50_ms": series.p50_ms,
            "p99_ms": series.p99_ms,
            "errors": series.errors,
            "runs": [asdict(run) for run in series.runs],
        }
    return summary


SUMMARY_KEYS = {"list": "list", "detail": "detail", "timeline": "timeline", "create": "post", "page": "page"}


def write_summary(writes_per_s: float, figures: dict[str, Any]) -> None:
    """Write bench/out/http-summary.json: the writer's rate and each endpoint's ratio to bare."""
    ratios = {name: round(figures[key]["ratio"], 4) for name, key in SUMMARY_KEYS.items() if key in figures}
    summary = {"concurrent_writes_per_s": round(writes_per_s, 2), "ratios": ratios}
    path = harness.OUT / "http-summary.json"
    path.write_text(json.dumps(summary, indent=1) + "\n")
    log(f"Summary written to {path.relative_to(harness.ROOT)}: {json.dumps(summary)}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-growth", action="store_true", help="only the 1,000-incident phase")
    parser.add_argument("--quick", action="store_true", help="3 s × 1 run, no growth phase")
    parser.add_argument(
        "--growth-only",
        action="store_true",
        help="reuse the database and 1,000-incident figures of the last run (bench/out/http-small.json)",
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.runs, args.skip_growth = 3, 1, True
    ensure_wrk()
    database_url = os.environ.get("BENCH_DATABASE_URL", harness.DEFAULT_DATABASE_URL)
    env = harness.django_env(database_url)
    harness.OUT.mkdir(parents=True, exist_ok=True)
    misses: list[str] = []
    small_file = harness.OUT / "http-small.json"

    log(
        "HTTP benchmark: gunicorn 2 sync workers, PostgreSQL, wrk 1 thread × 4 connections, "
        f"{args.seconds} s per endpoint, {args.runs} runs (medians)"
    )
    if not args.growth_only:
        log(f"Creating database {database_url.rsplit('/', 1)[-1]} …")
        harness.recreate_database(database_url)
        harness.manage("migrate", "--noinput", env=env, quiet=True)
    harness.setup_django(database_url)
    from incidents.models import Incident

    if args.growth_only:
        small = json.loads(small_file.read_text())
    else:
        generate(database_url, SMALL, EVENTS)
        fx = fixtures()
        eps = endpoints(fx)
        with harness.gunicorn(env) as base:
            log(f"Measuring at {Incident.objects.count():,} incidents × {EVENTS} events …")
            results, writer = measure(base, eps, fx, args.runs, args.seconds)
        small = report(f"At {SMALL:,} incidents × {EVENTS} events", eps, results, misses, writer)
        small_file.write_text(
            json.dumps(
                {"incident": fx["incident"].pk, "writes_per_s": writer.rate(), "results": small}, indent=1
            )
        )
        write_summary(writer.rate(), small)
        small = json.loads(small_file.read_text())

    if not args.skip_growth:
        existing = Incident.objects.count()
        if existing < LARGE:
            generate(database_url, LARGE - existing - 1, EVENTS, seed=8)
        big_incident = Incident.objects.filter(title__startswith="Bench: ten thousand").first()
        if big_incident is None:
            from django.core.management import call_command

            log(f"Generating one incident with {BIG_TIMELINE:,} events …")
            call_command(
                "generate_data",
                incidents=1,
                events_per_incident=BIG_TIMELINE,
                actions_per_incident=3,
                causes_per_incident=2,
                updates_per_incident=3,
                private_share=0,
                active_share=0,
                seed=9,
                verbosity=0,
            )
            big_incident = Incident.objects.order_by("-number").first()
            assert big_incident is not None
            Incident.objects.filter(pk=big_incident.pk).update(title="Bench: ten thousand events")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        fx = fixtures()
        fx["incident"] = Incident.objects.get(pk=small["incident"])
        eps = endpoints(fx)
        fx["big_incident"] = big_incident
        fx_big = dict(fx, incident=big_incident)
        big_eps = [e for e in endpoints(fx_big) if e.key in {"bare", "page", "timeline", "detail"}]
        for endpoint in big_eps:
            endpoint.key = f"big_{endpoint.key}" if endpoint.key != "bare" else "bare"
            endpoint.label = endpoint.label.replace("{id}", "{big}").replace(
                "incident page", "10k-event page"
            )
        with harness.gunicorn(env) as base:
            log(f"Measuring at {Incident.objects.count():,} incidents …")
            results, writer = measure(base, eps + big_eps[1:], fx, args.runs, args.seconds)
        large = report(
            f"At {Incident.objects.count():,} incidents × {EVENTS} events", eps, results, misses, writer
        )
        big_summary = report(
            f"One incident with {BIG_TIMELINE:,} events (same run)", big_eps, results, misses, writer
        )
        log("")
        log("Growth: p50 latency at 100,000 incidents against 1,000 (target ≤ 1.30×)")
        for endpoint in eps[1:]:
            before = small["results"].get(endpoint.key)
            after = large.get(endpoint.key)
            if not before or not after:
                log(f"  {endpoint.label:<42} not measured in both phases")
                misses.append(f"growth: {endpoint.label} not measured")
                continue
            growth = after["p50_ms"] / before["p50_ms"]
            ok = growth <= 1.3
            if not ok:
                misses.append(f"growth: {endpoint.label} {growth:.2f}×")
            log(
                f"  {endpoint.label:<42} {before['p50_ms']:7.2f} ms → {after['p50_ms']:7.2f} ms"
                f"  {growth:5.2f}×  ≤ 1.30 {mark(ok)}"
            )
        page = big_summary.get("big_page")
        if page:
            ok = page["p50_ms"] < 100
            if not ok:
                misses.append(f"10k-event page p50 {page['p50_ms']:.1f} ms")
            log(f"  10,000-event incident page p50 {page['p50_ms']:.2f} ms  (target < 100 ms) {mark(ok)}")
        else:
            misses.append("10k-event page not measured")
        (harness.OUT / "http-large.json").write_text(
            json.dumps({"results": large, "big": big_summary}, indent=1)
        )
    log("")
    if misses:
        log("Targets missed or not measured:")
        for miss in misses:
            log(f"  - {miss}")
        return 1
    log("Every target met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
