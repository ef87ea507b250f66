"""Schedule the periodic pull in django-celery-beat's tables, so admins can edit or pause it."""

from django.db import migrations

TASK_NAME = "Git sync pull (every 5 minutes)"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_five_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "hindsight.gitsync.pull",
            "interval": every_five_minutes,
            "expire_seconds": 290,
            "enabled": True,
            "description": "Fetch the postmortems' Git repository and bring merged edits back (incidents.gitsync).",
        },
    )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("gitsync", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
