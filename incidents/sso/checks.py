"""`manage.py check` refuses an SSO configuration that cannot work, before anyone tries to sign in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from incidents.sso.conf import parse_role_map, sso_enabled


@register()
def check_sso_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    try:
        parse_role_map(getattr(settings, "OIDC_ROLE_MAP", ""))
    except ValueError as exc:
        errors.append(Error(f"OIDC_ROLE_MAP: {exc}.", id="sso.E001"))
    if sso_enabled():
        for name, env in (
            ("OIDC_RP_CLIENT_ID", "OIDC_CLIENT_ID"),
            ("OIDC_RP_CLIENT_SECRET", "OIDC_CLIENT_SECRET"),
        ):
            if not getattr(settings, name, ""):
                errors.append(Error(f"OIDC_ISSUER is set but {env} is not.", id="sso.E002"))
    elif not getattr(settings, "HINDSIGHT_LOCAL_LOGIN", True):
        errors.append(
            Error(
                "HINDSIGHT_LOCAL_LOGIN is off and OIDC_ISSUER is unset: nobody could sign in.", id="sso.E003"
            )
        )
    return errors
