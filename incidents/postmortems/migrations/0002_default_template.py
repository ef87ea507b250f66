from django.db import migrations

from incidents.postmortems.choices import DEFAULT_SECTIONS


def add_defaults(apps, schema_editor):
    SectionTemplate = apps.get_model("postmortems", "SectionTemplate")
    for position, (key, title, source, prompt) in enumerate(DEFAULT_SECTIONS):
        SectionTemplate.objects.get_or_create(
            key=key, defaults={"title": title, "source": source, "prompt": prompt, "position": position * 10}
        )


def remove_defaults(apps, schema_editor):
    SectionTemplate = apps.get_model("postmortems", "SectionTemplate")
    SectionTemplate.objects.filter(key__in=[key for key, *_ in DEFAULT_SECTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("postmortems", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
