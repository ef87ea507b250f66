from django.db import migrations


def count_public(apps, schema_editor):
    Counter = apps.get_model("incidents", "Counter")
    Incident = apps.get_model("incidents", "Incident")
    value = Incident.objects.filter(private=False).count()
    Counter.objects.update_or_create(name="public-incidents", defaults={"value": value})


def remove(apps, schema_editor):
    apps.get_model("incidents", "Counter").objects.filter(name="public-incidents").delete()


class Migration(migrations.Migration):
    """The public-incident count that incidents/signals.py keeps from now on."""

    dependencies = [("incidents", "0004_incident_alert_group_key")]

    operations = [migrations.RunPython(count_public, remove)]
