"""Load test: 50 concurrent clients, mixed reads and writes, then count every write.

    .venv/bin/python bench/bench_load.py                 # 50 clients × 60 s
    .venv/bin/python bench/bench_load.py --seconds 30    # what CI runs (.ci/extra-load.sh)

Runs against a whole deployment of its own (bench/stack.py): gunicorn with 2 sync workers,
PostgreSQL, Redis, one Celery worker and beat. Each client keeps one HTTP connection and loops over
a weighted mix: list incidents, read one, read its timeline, open its page, add a timeline entry,
declare an incident, update an action item. Right after some writes the client reads them back
(read-your-writes: a declared incident heads the list; an added entry is on the incident's page), so a
stale response served after a write counts as a failure. Afterwards it checks in the database that
every write the API acknowledged is there (no lost writes), that nothing failed (zero errors), and
that every background job the writes asked for ran. Exits non-zero otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import log, percentile  # noqa: E402
from bench.stack import Stack  # noqa: E402

READS = frozenset({"list", "detail", "timeline", "page"})
MIX = [
    ("list", 25),
    ("detail", 15),
    ("timeline", 15),
    ("page", 8),
    ("add_event", 22),
    ("declare", 5),
    ("update_action", 10),
]


@dataclass
class Client:
    index: int
    token: str
    session: str
    username: str
    action_id: int
    incident_ids: list[int]
    pages: dict[int, str]
    run: str
    has_page: bool
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)
    events_added: int = 0
    last_action_title: str | None = None
    sequence: int = 0
    reads_back: int = 0
    reads: int = 0


class Connection:
    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers = {**headers, "Content-Type": "application/json"}
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # gunicorn closed an idle keep-alive connection: reconnect once (not an error;
                # the request was never processed). Writes are retried only on this path.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


def run_client(client: Client, port: int, deadline: float, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 — load mix, not secrets
    names = [name for name, _ in MIX if name != "page" or client.has_page]
    weights = [weight for name, weight in MIX if name != "page" or client.has_page]
    conn = Connection(port)
    api = {"Authorization": f"Token {client.token}", "Accept": "application/json"}
    cookie = {"Cookie": f"sessionid={client.session}"}
    while time.monotonic() < deadline:
        op = rng.choices(names, weights)[0]
        incident_id = rng.choice(client.incident_ids)
        client.sequence += 1
        check: tuple[str, dict[str, str], bytes] | None = None  # a write to read back afterwards
        began = time.perf_counter()
        try:
            if op == "list":
                status, body = conn.request("GET", "/api/v1/incidents/", api)
                expected = 200
            elif op == "detail":
                status, body = conn.request("GET", f"/api/v1/incidents/{incident_id}/", api)
                expected = 200
            elif op == "timeline":
                status, body = conn.request("GET", f"/api/v1/incidents/{incident_id}/timeline/", api)
                expected = 200
            elif op == "page":
                status, body = conn.request("GET", client.pages[incident_id], cookie)
                expected = 200
            elif op == "add_event":
                text = f"load {client.run} c{client.index} n{client.sequence}: error rate back to 0.1%"
                status, body = conn.request(
                    "POST", f"/api/v1/incidents/{incident_id}/timeline/", api, {"kind": "note", "body": text}
                )
                expected = 201
                if status == expected:
                    client.events_added += 1
                    if client.has_page and rng.random() < 0.2:
                        check = (client.pages[incident_id], cookie, text.encode())
            elif op == "declare":
                title = f"Load {client.run} c{client.index} n{client.sequence}: checkout errors"
                status, body = conn.request(
                    "POST",
                    "/api/v1/incidents/",
                    api,
                    {"title": title, "severity": "SEV3", "services": ["api"]},
                )
                expected = 201
                if status == expected:
                    reference = json.loads(body)["reference"]
                    client.declared.append(reference)
                    check = ("/api/v1/incidents/", api, f'"{reference}"'.encode())
            else:
                title = f"Load {client.run} c{client.index} v{client.sequence}: add alerting"
                status, body = conn.request(
                    "PATCH", f"/api/v1/actions/{client.action_id}/", api, {"title": title}
                )
                expected = 200
                if status == expected:
                    client.last_action_title = title
        except Exception as error:  # noqa: BLE001 — every failure is counted and reported
            client.errors.append(f"{op}: {type(error).__name__}: {error}")
            continue
        client.latencies[op].append((time.perf_counter() - began) * 1000)
        if op in READS:
            client.reads += 1
        if status != expected:
            client.errors.append(f"{op}: HTTP {status} {body[:150]!r}")
        if check is not None:
            try:
                read_back(client, conn, *check)
            except Exception as error:  # noqa: BLE001 — counted and reported like the others
                client.errors.append(f"read_back: {type(error).__name__}: {error}")


def read_back(client: Client, conn: Connection, path: str, headers: dict[str, str], expect: bytes) -> None:
    """Read a write back at once: a stale page or list is an error."""
    began = time.perf_counter()
    status, body = conn.request("GET", path, headers)
    client.latencies["read_back"].append((time.perf_counter() - began) * 1000)
    client.reads_back += 1
    if status != 200 or expect not in body:
        client.errors.append(f"read_back: {path} answered {status} without {expect.decode()!r}")


def prepare(stack: Stack, clients: int, run: str) -> list[Client]:
    """Users, tokens, sessions, incidents to read and one action item per client."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client as DjangoClient

    from incidents.models import Incident
    from incidents.services.accounts import api_token_create

    call_command("generate_data", incidents=200, events_per_incident=20, private_share=0, seed=5, verbosity=0)
    responder = Group.objects.get(name="responder")
    User = get_user_model()
    from django.urls import NoReverseMatch

    public = list(Incident.objects.filter(private=False)[:150])
    ids = [incident.pk for incident in public]
    try:
        pages = {incident.pk: incident.get_absolute_url() for incident in public}
    except NoReverseMatch:
        pages = {}
    has_page = False
    result: list[Client] = []
    users = []
    for index in range(clients):
        user, _ = User.objects.get_or_create(username=f"load-{index:02d}")
        user.groups.add(responder)
        users.append(user)
    for index, user in enumerate(users):
        # Owned by the next client: assigning someone else enqueues a reminder job for the worker.
        owner = users[(index + 1) % len(users)]
        _, key = api_token_create(user=user, name="load test")
        browser = DjangoClient()
        browser.force_login(user)
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        status, body = harness.http_send(
            f"{stack.base}/api/v1/incidents/{ids[index % len(ids)]}/actions/",
            "POST",
            {"title": f"Load {run} c{index}: add alerting", "priority": "P2", "owner": owner.username},
            {"Authorization": f"Token {key}"},
        )
        if status != 201:
            raise SystemExit(f"Cannot create an action item through the API: {status} {body[:200]!r}")
        if index == 0 and pages:
            page_status, _ = harness.http_get(
                f"{stack.base}{pages[ids[0]]}", {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
            )
            has_page = page_status == 200
        result.append(
            Client(
                index=index,
                token=key,
                session=session,
                username=user.username,
                action_id=json.loads(body)["id"],
                incident_ids=ids,
                pages=pages,
                run=run,
                has_page=has_page,
            )
        )
    return result


def verify(clients: list[Client], run: str) -> list[str]:
    """Count in the database every write the API acknowledged."""
    from incidents.models import Incident, Job, RemediationAction
    from timeline.models import TimelineEvent

    problems: list[str] = []
    declared = sum(len(c.declared) for c in clients)
    stored = Incident.objects.filter(title__startswith=f"Load {run} ").count()
    references = {ref for c in clients for ref in c.declared}
    found = set(Incident.objects.filter(reference__in=references).values_list("reference", flat=True))
    log(f"  incidents declared: {declared} acknowledged, {stored} stored")
    if stored != declared or found != references:
        problems.append(f"declared incidents: {declared} acknowledged, {stored} stored")
    added = sum(c.events_added for c in clients)
    events = TimelineEvent.objects.filter(body__startswith=f"load {run} ").count()
    log(f"  timeline entries: {added} acknowledged, {events} stored")
    if events != added:
        problems.append(f"timeline entries: {added} acknowledged, {events} stored")
    stale = 0
    for c in clients:
        if c.last_action_title is None:
            continue
        title = RemediationAction.objects.get(pk=c.action_id).title
        if title != c.last_action_title:
            stale += 1
    updated = sum(1 for c in clients if c.last_action_title)
    log(f"  action items updated: {updated}, holding their last acknowledged title: {updated - stale}")
    if stale:
        problems.append(f"{stale} action items lost their last update")
    failed = Job.objects.filter(status="failed").count()
    pending = Job.objects.filter(status__in=["queued", "running"]).count()
    log(f"  background jobs: {Job.objects.filter(status='succeeded').count()} succeeded, "
        f"{failed} failed, {pending} not finished")  # fmt: skip
    if failed or pending:
        problems.append(f"jobs: {failed} failed, {pending} not finished")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    run = time.strftime("%H%M%S")
    stack = Stack(database="hs_load")
    log(f"Load test: {args.clients} clients × {args.seconds} s against gunicorn (2 sync workers), "
        "PostgreSQL, Redis, a Celery worker and beat")  # fmt: skip
    try:
        stack.up()
        harness.setup_django(stack.database_url, REDIS_URL=stack.redis_url)
        clients = prepare(stack, args.clients, run)
        page = "included" if clients[0].has_page else "not built yet"
        log(f"  {len(clients)} clients ready; incident page {page}")
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=run_client, args=(c, stack.web_port, deadline, c.index), daemon=True)
            for c in clients
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - began
        stack.wait_jobs_done(timeout=60)

        all_latencies = [ms for c in clients for values in c.latencies.values() for ms in values]
        errors = [error for c in clients for error in c.errors]
        log("")
        log(f"Results ({args.clients} clients, {elapsed:.0f} s)")
        log(
            f"  requests: {len(all_latencies)}  ({len(all_latencies) / elapsed:.1f}/s)  errors: {len(errors)}"
        )
        p50, p95, p99 = (percentile(all_latencies, share) for share in (0.5, 0.95, 0.99))
        log(f"  latency p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms")
        for op in [name for name, _ in MIX] + ["read_back"]:
            values = [ms for c in clients for ms in c.latencies.get(op, [])]
            if values:
                log(f"    {op:<14} {len(values):6d} requests  p50 {percentile(values, 0.5):7.1f} ms"
                    f"  p95 {percentile(values, 0.95):7.1f} ms")  # fmt: skip
        log(f"  reads: {sum(c.reads for c in clients)}")
        log(f"  writes read back at once: {sum(c.reads_back for c in clients)} (a stale one is an error)")
        for error in errors[:10]:
            log(f"  error: {error}")
        log("Writes, counted in the database afterwards:")
        problems = verify(clients, run)
        if errors:
            problems.append(f"{len(errors)} requests failed")
        log("")
        if problems:
            log("FAILED: " + "; ".join(problems))
            return 1
        log("OK: zero errors, no lost writes, every job ran.")
        return 0
    finally:
        from django.db import connections

        connections.close_all()
        stack.down()


if __name__ == "__main__":
    sys.exit(main())
