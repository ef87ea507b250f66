"""Owners of action items become participants of their incidents (as the action service now does),
so that the owner of an item on a private incident can see and close it."""

from django.db import migrations


def add_owners(apps, schema_editor):
    RemediationAction = apps.get_model("incidents", "RemediationAction")
    Incident = apps.get_model("incidents", "Incident")
    Participant = Incident.participants.through
    pairs = set(
        RemediationAction.objects.filter(owner__isnull=False).values_list("incident_id", "owner_id").distinct()
    )
    existing = set(Participant.objects.values_list("incident_id", "user_id"))
    Participant.objects.bulk_create(
        [Participant(incident_id=incident_id, user_id=user_id) for incident_id, user_id in pairs - existing],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_incident_private_people_index")]

    operations = [migrations.RunPython(add_owners, migrations.RunPython.noop)]
