"""Schedule the ticket reconcile in django-celery-beat's tables, so admins can edit or pause it."""

from django.db import migrations

TASK_NAME = "Ticket sync reconcile (every 15 minutes)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15_minutes, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "hindsight.tickets.reconcile",
            "interval": every_15_minutes,
            # A run that waited longer than its own interval is dropped; the next one catches up.
            "expire_seconds": 14 * 60,
            "enabled": True,
            "description": "Fetch open tickets' states from GitHub, GitLab and Jira in case a webhook "
            "was missed (incidents.tickets).",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
