"""Create the role groups (viewer, responder, admin) and the incident reference counter."""

from django.db import migrations

ROLES = ("viewer", "responder", "admin")


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    Group = apps.get_model("auth", "Group")
    Counter = apps.get_model("incidents", "Counter")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    Counter.objects.get_or_create(name="incident", defaults={"value": 0})


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
