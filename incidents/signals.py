from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Give every new user a profile (timezone, quiet hours) so reads never have to create one."""
    if created and not raw:
        from incidents.models import Profile

        Profile.objects.get_or_create(user=instance)


def _count_public(change: int) -> None:
    from incidents.models import PUBLIC_INCIDENTS_COUNTER, Counter

    if change:
        # In the saving transaction, under the counter row's lock: the count commits (or rolls
        # back) with the incident. No row (never expected) leaves readers counting directly.
        Counter.objects.filter(name=PUBLIC_INCIDENTS_COUNTER).update(value=F("value") + change)


@receiver(post_save, sender="incidents.Incident")
def count_public_on_save(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Keep the public-incident count: +1 for a new public incident, ±1 when privacy changes."""
    saved = getattr(instance, "_saved_private", None)
    instance._saved_private = instance.private
    if created:
        _count_public(0 if instance.private else 1)
    elif saved is None:
        # An instance not read from the database (or read without `private`): what it was before
        # is unknown, so count again (a rare path; nothing in Hindsight saves incidents this way).
        recount_public_incidents()
    else:
        _count_public(int(not instance.private) - int(not saved))


def recount_public_incidents() -> None:
    """Set the public-incident count from the incidents themselves (creating the row if needed)."""
    from incidents.models import PUBLIC_INCIDENTS_COUNTER, Counter, Incident

    value = Incident.objects.filter(private=False).count()
    Counter.objects.update_or_create(name=PUBLIC_INCIDENTS_COUNTER, defaults={"value": value})


@receiver(post_delete, sender="incidents.Incident")
def count_public_on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    saved = getattr(instance, "_saved_private", instance.private)
    if not saved:
        _count_public(-1)
