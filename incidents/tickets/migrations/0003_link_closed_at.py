"""TicketLink.closed_at: when the ticket closed, so the reconcile rechecks recently closed tickets.

Links closed before this migration get their last sync as the closing time: until now a closed
link was synced only by webhooks, the closing one first, so that is when it closed or shortly after.
"""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce

TASK_NAME = "Ticket sync reconcile (every 15 minutes)"


def backfill(apps, schema_editor):
    TicketLink = apps.get_model("tickets", "TicketLink")
    TicketLink.objects.filter(state="closed", closed_at__isnull=True).update(
        closed_at=Coalesce(F("last_synced_at"), F("created_at"))
    )
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).update(
        description="Fetch open and recently closed tickets' states from GitHub, GitLab and Jira in "
        "case a webhook was missed (incidents.tickets)."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_reconcile_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketlink",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
