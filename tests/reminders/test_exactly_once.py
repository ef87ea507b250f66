"""Each reminder goes out once: concurrent sweeps, retried jobs, failing and crashed sends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

from incidents.jobs import job_run
from incidents.models import Job
from incidents.reminders.handlers import action_assigned
from incidents.reminders.models import Delivery, DeliveryStatus, Notification, Reminder
from incidents.reminders.sweep import sweep
from incidents.services.actions import action_add, action_update
from tests.factories import IncidentFactory, RemediationActionFactory, UserFactory
from tests.reminders import flaky_email
from tests.reminders.conftest import WEDNESDAY, notified, set_profile

TODAY = WEDNESDAY.date()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once():
    owners = [UserFactory(username=f"owner{n}") for n in range(5)]
    incident = IncidentFactory(status="resolved")
    for n in range(40):
        RemediationActionFactory(
            incident=incident, owner=owners[n % 5], due_date=TODAY - timedelta(days=n % 7)
        )
    mail.outbox = []
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            sweep(now=WEDNESDAY)
        except BaseException as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Reminder.objects.count() == 40
    assert Notification.objects.count() == 40
    assert len(mail.outbox) == 40
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 40
    assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.django_db
def test_running_the_sweep_again_sends_nothing_new():
    dana = UserFactory(username="dana")
    RemediationActionFactory(owner=dana, due_date=TODAY)
    sweep(now=WEDNESDAY)
    report = sweep(now=WEDNESDAY + timedelta(minutes=1))
    assert sum(report.created.values()) == 0
    assert len(notified(dana)) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.reminders.flaky_email.FlakyEmailBackend")
def test_a_send_that_fails_is_retried_with_backoff_and_sent_once():
    dana = UserFactory(username="dana")
    RemediationActionFactory(owner=dana, due_date=TODAY, title="Renew the certificate")
    flaky_email.FAILURES["remaining"] = 1
    sweep(now=WEDNESDAY)
    email = Delivery.objects.get(channel="email")
    assert email.status == DeliveryStatus.PENDING
    assert "SMTPServerDisconnected" in email.last_error
    assert email.next_attempt_at == WEDNESDAY + timedelta(minutes=1)
    assert len(mail.outbox) == 0
    assert len(notified(dana)) == 1  # in-app did not wait for email

    sweep(now=WEDNESDAY + timedelta(seconds=30))  # still backing off
    assert len(mail.outbox) == 0
    sweep(now=WEDNESDAY + timedelta(minutes=1))
    sweep(now=WEDNESDAY + timedelta(minutes=2))
    email.refresh_from_db()
    assert (email.status, email.attempts) == (DeliveryStatus.SENT, 2)
    assert len(mail.outbox) == 1
    assert "Renew the certificate" in mail.outbox[0].subject


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.reminders.flaky_email.FlakyEmailBackend")
def test_a_send_that_keeps_failing_is_given_up_and_recorded(settings):
    settings.HINDSIGHT = {**settings.HINDSIGHT, "REMINDER_MAX_ATTEMPTS": 3}
    dana = UserFactory(username="dana")
    RemediationActionFactory(owner=dana, due_date=TODAY)
    flaky_email.FAILURES["remaining"] = 10
    moment = WEDNESDAY
    for _ in range(6):
        sweep(now=moment)
        moment += timedelta(hours=1)
    flaky_email.FAILURES["remaining"] = 0
    email = Delivery.objects.get(channel="email")
    assert (email.status, email.attempts) == (DeliveryStatus.FAILED, 3)
    assert "SMTPServerDisconnected" in email.last_error
    assert len(mail.outbox) == 0


@pytest.mark.django_db
def test_a_send_interrupted_by_a_dead_worker_is_not_sent_a_second_time():
    dana = UserFactory(username="dana")
    RemediationActionFactory(owner=dana, due_date=TODAY + timedelta(days=2))  # due soon; not yet due
    evening = WEDNESDAY.replace(hour=22)
    sweep(now=evening)  # quiet hours: the email waits for 08:00; the bell does not
    assert len(notified(dana)) == 1
    morning = (WEDNESDAY + timedelta(days=1)).replace(hour=8)
    # At 08:00 a worker claimed the email and died before recording the outcome.
    Delivery.objects.filter(channel="email").update(
        status=DeliveryStatus.SENDING, claimed_until=morning + timedelta(minutes=5), attempts=1
    )
    sweep(now=morning + timedelta(minutes=1))  # lease still valid: nobody touches it
    assert len(mail.outbox) == 0
    sweep(now=morning + timedelta(minutes=6))
    email = Delivery.objects.get(channel="email")
    assert email.status == DeliveryStatus.FAILED
    assert "may have been delivered" in email.last_error
    assert len(mail.outbox) == 0
    sweep(now=morning + timedelta(minutes=30))
    assert len(mail.outbox) == 0
    assert len(notified(dana)) == 1


@pytest.mark.django_db
def test_an_in_app_write_lost_with_its_worker_is_written_once_when_the_lease_ends():
    dana = UserFactory(username="dana")
    RemediationActionFactory(owner=dana, due_date=TODAY + timedelta(days=2))
    sweep(now=WEDNESDAY, send=False)
    # A delivery worker claimed the in-app delivery and died: its transaction, and the
    # notification it wrote, were rolled back, leaving the claim behind.
    Notification.objects.all().delete()
    Delivery.objects.filter(channel="in_app").update(
        status=DeliveryStatus.SENDING, claimed_until=WEDNESDAY + timedelta(minutes=5), attempts=1
    )
    sweep(now=WEDNESDAY + timedelta(minutes=1))
    assert notified(dana) == []
    sweep(now=WEDNESDAY + timedelta(minutes=6))
    assert len(notified(dana)) == 1
    sweep(now=WEDNESDAY + timedelta(minutes=30))
    assert len(notified(dana)) == 1


@pytest.mark.django_db
def test_assigning_an_action_item_tells_the_new_owner_once(owner, incident):
    dana = set_profile(UserFactory(username="dana", role="responder"), start=None, end=None, weekends=False)
    action = action_add(incident=incident, actor=owner, title="Add a canary", owner=dana)
    job = Job.objects.get(name="reminders.action_assigned")
    job_run(job_id=str(job.pk))
    action_assigned(action_id=action.pk)  # a retried job
    assert notified(dana) == [f"You own an action item in {incident.reference}: Add a canary"]
    assert len(mail.outbox) == 1

    # Handing it to someone else and back is a new assignment, and a new reminder.
    eve = UserFactory(username="eve", role="responder")
    action_update(action=action, actor=owner, data={"owner": eve})
    action_update(action=action, actor=owner, data={"owner": dana})
    for job in Job.objects.filter(name="reminders.action_assigned", status="queued"):
        job_run(job_id=str(job.pk))
    assert len(notified(dana)) == 2
    # Both jobs ran after the item was back with dana: eve is not told about an item no longer hers.
    assert notified(eve) == []


@pytest.mark.django_db
def test_an_assignment_reminder_for_a_finished_or_deleted_item_does_nothing(owner, incident):
    dana = UserFactory(username="dana")
    done = RemediationActionFactory(owner=dana, status="done", completion_note="shipped")
    assert action_assigned(action_id=done.pk) == {"reminders": 0}
    assert action_assigned(action_id=999_999) == {"reminders": 0}
    assert notified(dana) == []


@pytest.mark.django_db
def test_the_command_runs_one_sweep_and_prints_what_it_sent(capsys):
    from django.core.management import call_command

    dana = set_profile(UserFactory(username="dana"), start=None, end=None, weekends=False)
    RemediationActionFactory(owner=dana, due_date=timezone.localdate(), title="Renew the certificate")
    call_command("run_reminders")
    out = capsys.readouterr().out
    assert "action_overdue → dana via email: Due today: Renew the certificate" in out
    assert "Sent: email" in out
    call_command("run_reminders")
    assert "New reminders: none. Sent: none." in capsys.readouterr().out
    assert len(notified(dana)) == 1


def _closed_local_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing listens


@pytest.mark.django_db
def test_an_unreachable_mail_server_delays_emails_without_breaking_the_sweep(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_local_port()
    settings.EMAIL_TIMEOUT = 2
    dana = UserFactory(username="dana")
    RemediationActionFactory(owner=dana, due_date=TODAY, title="Rotate the signing key")

    sweep(now=WEDNESDAY)

    assert len(notified(dana)) == 1  # in-app still arrives
    email = Delivery.objects.get(channel="email")
    assert email.status == DeliveryStatus.PENDING  # waiting to be retried, not lost or stuck
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.next_attempt_at == WEDNESDAY + timedelta(minutes=1)
