from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Give every new user a profile (timezone, quiet hours) so reads never have to create one."""
    if created and not raw:
        from incidents.models import Profile

        Profile.objects.get_or_create(user=instance)
