from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from timeline.signals import events_added


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Give every new user a profile (timezone, quiet hours) so reads never have to create one."""
    if created and not raw:
        from incidents.models import Profile

        Profile.objects.get_or_create(user=instance)


@receiver(post_save, sender="timeline.TimelineEvent")
@receiver(post_delete, sender="timeline.TimelineEvent")
@receiver(post_save, sender="incidents.Cause")
@receiver(post_delete, sender="incidents.Cause")
@receiver(post_save, sender="incidents.RemediationAction")
@receiver(post_delete, sender="incidents.RemediationAction")
@receiver(post_save, sender="incidents.StatusUpdate")
@receiver(post_delete, sender="incidents.StatusUpdate")
def move_record_version(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """A write inside an incident moves its `record_version` on (the ETag of what polls read).

    In the writing transaction, so the version commits (or rolls back) with the write; every path
    that saves a model (services, the admin, imports) passes here.
    """
    if raw or instance.incident_id is None:
        return
    from incidents.models import Incident

    Incident.objects.filter(pk=instance.incident_id).update(record_version=F("record_version") + 1)


@receiver(events_added)
def move_record_version_once(sender: Any, incident_ids: list[int], **kwargs: Any) -> None:
    """Entries added in bulk move each incident's `record_version` on once (no post_save is sent)."""
    from incidents.models import Incident

    Incident.objects.filter(pk__in=incident_ids).update(record_version=F("record_version") + 1)
