"""Single sign-on with OpenID Connect (mozilla-django-oidc). Off while `OIDC_ISSUER` is unset."""
