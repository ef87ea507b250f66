from django.db import migrations


class Migration(migrations.Migration):
    """Joins migrations written side by side (the public-count removal and record version, the
    status page's service state, soft-deleted causes and actions, change events, action owners made participants)."""

    dependencies = [
        ("incidents", "0007_service_public_and_update_service_state"),
        ("incidents", "0007_soft_delete_causes_and_actions"),
        ("incidents", "0008_incident_record_version"),
        ("incidents", "0009_change_events_reported_by_pipelines"),
        ("incidents", "0007_action_owners_are_participants"),
    ]

    operations = []
