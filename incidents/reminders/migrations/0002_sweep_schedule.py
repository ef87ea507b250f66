"""Schedule the reminder sweep in django-celery-beat's tables, so admins can edit or pause it."""

from django.db import migrations

TASK_NAME = "Reminders sweep (every minute)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "hindsight.reminders.sweep",
            "interval": every_minute,
            "queue": "reminders",
            # A run that waited longer than its own interval is dropped; the next one catches up.
            "expire_seconds": 55,
            "enabled": True,
            "description": "Evaluate the reminder rules and send due reminders (incidents.reminders).",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
