from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from incidents.choices import Role


class OidcIdentity(models.Model):
    """The provider account (issuer + `sub`) a Hindsight user signs in with.

    Users are found by this pair only, never by email: an address can be reused or claimed at
    another provider, a `sub` is never reassigned within its issuer. Its history records each
    role the provider gave (who signed in, when, which groups).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identity"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    role = models.CharField(max_length=20, choices=Role.choices)
    # The role claim's values at the last sign-in, to tell why someone got the role they have.
    claimed_groups = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "OpenID Connect identity"
        verbose_name_plural = "OpenID Connect identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_issuer_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
