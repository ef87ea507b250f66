"""Fault tests: a worker killed mid-job, the broker down, PostgreSQL restarted under load.

    .venv/bin/python bench/bench_faults.py                    # all three
    .venv/bin/python bench/bench_faults.py worker redis       # some of them

Each runs against a deployment of its own (bench/stack.py: PostgreSQL cluster on port 5434,
redis-server on 6392, gunicorn, one Celery worker, beat), never the shared servers. Recovery paths
are production's, with the shorter timeouts of config.settings.bench (a dead worker's job is taken
again after 15-20 s instead of 6-10 min). Exits non-zero when a scenario fails.

1. worker: SIGKILL the Celery worker (main process and pool child) while it generates a postmortem;
   start a new worker: the job completes, once (one revision), and stays done.
2. redis: stop Redis while responders keep writing (entries, incidents, action items assigned to
   people, which enqueue reminder jobs) and run the reminder sweep; start Redis again: every write
   is there, every job ran, every reminder arrived exactly once.
3. postgres: restart PostgreSQL while clients keep reading and writing: gunicorn (not restarted)
   answers again within seconds, and every write it acknowledged is there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.harness import log  # noqa: E402
from bench.stack import Stack  # noqa: E402


@dataclass
class Api:
    base: str
    token: str

    def get(self, path: str) -> tuple[int, Any]:
        status, body = harness.http_get(self.base + path, {"Authorization": f"Token {self.token}"})
        return status, _json(body)

    def send(self, method: str, path: str, body: Any, timeout: float = 30) -> tuple[int, Any]:
        status, raw = harness.http_send(
            self.base + path, method, body, {"Authorization": f"Token {self.token}"}, timeout=timeout
        )
        return status, _json(raw)


@dataclass
class Acknowledged:
    """The writes the API answered 2xx to while a service was down: each must be stored."""

    events: int = 0
    incidents: list[str] = field(default_factory=list)
    actions: list[int] = field(default_factory=list)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw[:200]


def responder(name: str) -> tuple[Any, str]:
    """A responder with an API token, no quiet hours (reminders go out at once)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from incidents.services.accounts import api_token_create, profile_for

    user, _ = get_user_model().objects.get_or_create(username=name, defaults={"email": f"{name}@example.com"})
    user.groups.add(Group.objects.get(name="responder"))
    profile = profile_for(user)
    profile.quiet_hours_start = None
    profile.quiet_hours_end = None
    profile.quiet_weekends = False
    profile.save()
    _, key = api_token_create(user=user, name="fault test")
    return user, key


def wait(check: Any, timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


def _job_status(job_id: str) -> str:
    from incidents.models import Job

    return str(Job.objects.get(pk=job_id).status)


# 1. worker killed mid-job -------------------------------------------------------------------------
def scenario_worker(stack: Stack) -> list[str]:
    from django.core.management import call_command

    from incidents.models import Incident, Job

    log("\n[worker] SIGKILL the Celery worker in the middle of a postmortem generation")
    _, key = responder("fault-pm")
    api = Api(stack.base, key)
    problems: list[str] = []
    for attempt in range(1, 4):
        # A long timeline makes generation take long enough to be caught in the middle.
        call_command(
            "generate_data",
            incidents=1,
            events_per_incident=8000 * attempt,
            actions_per_incident=5,
            causes_per_incident=3,
            updates_per_incident=2,
            private_share=0,
            active_share=0,
            seed=20 + attempt,
            verbosity=0,
        )
        incident = Incident.objects.order_by("-number").first()
        assert incident is not None
        if stack.worker is None:
            stack.worker_up()
            time.sleep(3)
        status, job = api.send("POST", f"/api/v1/incidents/{incident.pk}/postmortem/generate/", {})
        if status != 202:
            return [f"generate answered {status}: {job}"]
        job_id = job["id"]
        caught = wait(lambda job_id=job_id: _job_status(job_id) == "running", 30, interval=0.02)
        if not caught:
            log(f"  attempt {attempt}: the job never ran (status {Job.objects.get(pk=job_id).status})")
            continue
        time.sleep(0.05)
        stack.worker_kill()
        state = Job.objects.get(pk=job_id).status
        if state != "running":
            log(f"  attempt {attempt}: the job finished before the kill ({state}); a longer timeline next")
            continue
        log(f"  killed the worker while job {job_id} was running ({incident.reference}, "
            f"{8000 * attempt:,} events)")  # fmt: skip
        killed_at = time.monotonic()
        stack.worker_up()
        done = wait(lambda job_id=job_id: _job_status(job_id) in ("succeeded", "failed"), 120)
        recovered = time.monotonic() - killed_at
        final = Job.objects.get(pk=job_id)
        if not done or final.status != "succeeded":
            return [f"job {job_id} is {final.status} after {recovered:.0f} s: {final.error[:200]}"]
        log(f"  a new worker completed it {recovered:.1f} s after the kill (attempts: {final.attempts})")
        # Stay through one more redelivery window: the killed worker's message comes back once.
        time.sleep(25)
        status, revisions = api.get(f"/api/v1/incidents/{incident.pk}/postmortem/revisions/")
        count = revisions.get("count") if isinstance(revisions, dict) else None
        final = Job.objects.get(pk=job_id)
        log(f"  revisions: {count} (expected 1); job still {final.status}")
        if status != 200 or count != 1:
            problems.append(f"expected one revision, found {count} ({status})")
        if final.status != "succeeded":
            problems.append(f"job ended {final.status}")
        return problems
    return ["could not kill the worker in the middle of a generation in three attempts"]


# 2. Redis down while writing ------------------------------------------------------------------------
def scenario_redis(stack: Stack) -> list[str]:
    from django.utils import timezone

    from incidents.models import Incident, Job, RemediationAction
    from incidents.reminders.models import Notification
    from timeline.models import TimelineEvent

    log("\n[redis] stop Redis while responders write and the reminder sweep is due")
    _, key = responder("fault-writer")
    # Items are assigned to someone else than the writer: people are not told of their own doing.
    owner, _ = responder("fault-owner")
    api = Api(stack.base, key)
    incident_ids = list(Incident.objects.filter(private=False).values_list("pk", flat=True)[:20])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    problems: list[str] = []
    acknowledged = Acknowledged()
    slowest = 0.0

    def write_round(tag: str, count: int) -> None:
        nonlocal slowest
        for index in range(count):
            incident_id = incident_ids[index % len(incident_ids)]
            began = time.monotonic()
            status, _ = api.send(
                "POST",
                f"/api/v1/incidents/{incident_id}/timeline/",
                {"kind": "note", "body": f"redis-fault {tag} entry {index}"},
            )
            if status == 201:
                acknowledged.events += 1
            else:
                problems.append(f"{tag}: adding an entry answered {status}")
            status, body = api.send(
                "POST",
                "/api/v1/incidents/",
                {"title": f"redis-fault {tag} incident {index}", "severity": "SEV3"},
            )
            if status == 201:
                acknowledged.incidents.append(body["reference"])
            else:
                problems.append(f"{tag}: declaring answered {status}: {body}")
            status, body = api.send(
                "POST",
                f"/api/v1/incidents/{incident_id}/actions/",
                {"title": f"redis-fault {tag} action {index}", "owner": owner.username, "due_date": tomorrow},
            )
            if status == 201:
                acknowledged.actions.append(body["id"])
            else:
                problems.append(f"{tag}: adding an action answered {status}: {body}")
            slowest = max(slowest, time.monotonic() - began)

    write_round("before", 3)
    stack.redis_down()
    log("  Redis stopped; writing …")
    began = time.monotonic()
    write_round("during", 8)
    log(f"  {len(acknowledged.actions)} action items and more written in {time.monotonic() - began:.1f} s "
        f"with the broker down (slowest round {slowest:.1f} s)")  # fmt: skip
    # The sweep is due while the broker is down: run it as beat would (same code path).
    sweep = subprocess.run(
        [harness.PYTHON, "manage.py", "run_reminders"],
        cwd=harness.ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
    )
    log(f"  reminder sweep with the broker down: exit {sweep.returncode} {sweep.stdout.strip()[:120]}")
    if sweep.returncode != 0:
        problems.append(f"run_reminders failed with the broker down: {sweep.stderr[-300:]}")
    queued = Job.objects.filter(status="queued").count()
    unsent = Job.objects.filter(status="queued", dispatched_at__isnull=True).count()
    from django.db.models import Count

    log(f"  jobs by status: {dict(Job.objects.values_list('status').annotate(n=Count('pk')))}")
    log(f"  jobs waiting in the outbox: {queued} queued, {unsent} of them never reached the broker")
    stack.redis_up()
    log("  Redis started again")
    write_round("after", 2)
    drained = stack.wait_jobs_done(timeout=90)
    for _ in range(2):  # two more sweeps, as two beat runs or two workers would do
        subprocess.run(
            [harness.PYTHON, "manage.py", "run_reminders"],
            cwd=harness.ROOT,
            env=stack.env,
            capture_output=True,
        )
    if not drained:
        pending = Job.objects.filter(status__in=["queued", "running"]).count()
        problems.append(f"jobs still pending 90 s after Redis came back: {pending}")
    failed = Job.objects.filter(status="failed").count()
    if failed:
        problems.append(f"{failed} jobs failed")

    events = TimelineEvent.objects.filter(body__startswith="redis-fault ").count()
    incidents = Incident.objects.filter(reference__in=acknowledged.incidents).count()
    actions = RemediationAction.objects.filter(pk__in=acknowledged.actions).count()
    declared, assigned_actions = len(acknowledged.incidents), len(acknowledged.actions)
    log(f"  writes acknowledged/stored: entries {acknowledged.events}/{events}, "
        f"incidents {declared}/{incidents}, actions {assigned_actions}/{actions}")  # fmt: skip
    if events != acknowledged.events or incidents != len(acknowledged.incidents):
        problems.append("lost writes")
    if actions != len(acknowledged.actions):
        problems.append("lost action items")
    assigned = Notification.objects.filter(recipient=owner, rule="action_assigned").count()
    due_soon = Notification.objects.filter(recipient=owner, rule="action_due_soon").count()
    expected = len(acknowledged.actions)
    log(f"  notifications: assigned {assigned}, due soon {due_soon} (expected {expected} of each)")
    if assigned != expected:
        problems.append(f"assignment notifications: {assigned}, expected {expected}")
    if due_soon != expected:
        problems.append(f"due-soon reminders: {due_soon}, expected {expected}")
    return problems


# 3. PostgreSQL restarted under load ------------------------------------------------------------------
@dataclass
class Sample:
    at: float
    ok: bool
    write_ref: str | None = None
    detail: str = ""


@dataclass
class LoadClient:
    samples: list[Sample] = field(default_factory=list)


def scenario_postgres(stack: Stack) -> list[str]:
    from incidents.models import Incident

    log("\n[postgres] restart PostgreSQL while 8 clients read and write")
    _, key = responder("fault-pg")
    incident_ids = list(Incident.objects.filter(private=False).values_list("pk", flat=True)[:20])
    web_pid = stack.web.pid if stack.web else None
    stop = threading.Event()
    clients = [LoadClient() for _ in range(8)]
    started = time.monotonic()

    def work(index: int, client: LoadClient) -> None:
        api = Api(stack.base, key)
        n = 0
        while not stop.is_set():
            n += 1
            incident_id = incident_ids[(index + n) % len(incident_ids)]
            try:
                if n % 3 == 0:
                    body = f"pg-fault c{index} n{n}"
                    status, _ = api.send(
                        "POST",
                        f"/api/v1/incidents/{incident_id}/timeline/",
                        {"kind": "note", "body": body},
                        timeout=15,
                    )
                    client.samples.append(
                        Sample(
                            time.monotonic() - started,
                            status == 201,
                            body if status == 201 else None,
                            str(status),
                        )
                    )
                else:
                    status, _ = api.get(f"/api/v1/incidents/{incident_id}/")
                    client.samples.append(
                        Sample(time.monotonic() - started, status == 200, None, str(status))
                    )
            except Exception as error:  # noqa: BLE001 — counted as a failed request
                client.samples.append(Sample(time.monotonic() - started, False, None, type(error).__name__))
                time.sleep(0.1)

    threads = [threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    time.sleep(6)
    restart_began = time.monotonic() - started
    stack.postgres_restart()
    restart_done = time.monotonic() - started
    log(f"  PostgreSQL restarted (t={restart_began:.1f} s → {restart_done:.1f} s)")
    time.sleep(14)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    from django.db import connections

    # This process's own connection died with the restart too.
    connections.close_all()
    samples = sorted((s for c in clients for s in c.samples), key=lambda s: s.at)
    failures = [s for s in samples if not s.ok]
    after = [s for s in samples if s.at > restart_done]
    first_ok_after = next((s.at for s in after if s.ok), None)
    last_failure = max((s.at for s in failures), default=None)
    late_failures = [s for s in failures if s.at > restart_done + 5]
    log(f"  requests: {len(samples)}, failed: {len(failures)} "
        f"(all between t={failures[0].at:.1f} s and t={last_failure:.1f} s)" if failures else
        f"  requests: {len(samples)}, failed: 0")  # fmt: skip
    problems: list[str] = []
    if first_ok_after is None:
        problems.append("no request succeeded after the restart")
    else:
        log(f"  first success after the restart: {first_ok_after - restart_done:.2f} s after it finished")
    if late_failures:
        problems.append(
            f"{len(late_failures)} requests still failing more than 5 s after the restart "
            f"(first: {late_failures[0].detail})"
        )
    status, _ = harness.http_get(f"{stack.base}/healthz")
    same_process = stack.web is not None and stack.web.pid == web_pid and stack.web.poll() is None
    log(f"  /healthz {status}; gunicorn not restarted: {same_process}")
    if status != 200 or not same_process:
        problems.append("the web app did not recover by itself")
    from timeline.models import TimelineEvent

    acknowledged = {s.write_ref for s in samples if s.write_ref}
    stored = set(TimelineEvent.objects.filter(body__startswith="pg-fault ").values_list("body", flat=True))
    log(f"  writes acknowledged {len(acknowledged)}, stored {len(acknowledged & stored)}")
    if acknowledged - stored:
        problems.append(f"{len(acknowledged - stored)} acknowledged writes lost")
    return problems


SCENARIOS = {"worker": scenario_worker, "redis": scenario_redis, "postgres": scenario_postgres}


def main(argv: list[str]) -> int:
    chosen = [name for name in argv if name in SCENARIOS] or list(SCENARIOS)
    stack = Stack(database="hs_faults")
    outcomes: dict[str, list[str]] = {}
    try:
        stack.up()
        harness.setup_django(stack.database_url, REDIS_URL=stack.redis_url)
        from django.core.management import call_command

        call_command(
            "generate_data", incidents=50, events_per_incident=10, private_share=0, seed=4, verbosity=0
        )
        for name in chosen:
            try:
                outcomes[name] = SCENARIOS[name](stack)
            except Exception as error:  # noqa: BLE001 — report and go on with the next scenario
                outcomes[name] = [f"crashed: {type(error).__name__}: {error}"]
            finally:
                from django.db import connections

                connections.close_all()
    finally:
        stack.down()
    log("\nFault tests")
    for name, problems in outcomes.items():
        log(f"  {name:<9} {'ok' if not problems else 'FAILED: ' + '; '.join(problems)}")
    return 0 if all(not problems for problems in outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
