from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from incidents.sso.models import OidcIdentity


@admin.register(OidcIdentity)
class OidcIdentityAdmin(SimpleHistoryAdmin):
    list_display = ("user", "issuer", "subject", "role", "last_sign_in_at")
    search_fields = ("user__username", "subject")
    list_filter = ("role",)
    # Written at each sign-in from the provider's claims; change roles at the provider.
    readonly_fields = ("user", "issuer", "subject", "role", "claimed_groups", "created_at", "last_sign_in_at")
