"""Settings of the test OpenID Connect provider. Everything variable comes from the environment."""

import os
from pathlib import Path

STATE_DIR = Path(os.environ["OP_STATE_DIR"])
SITE_URL = os.environ["OP_SITE_URL"]  # http://127.0.0.1:<port>; the issuer is SITE_URL + "/openid"

SECRET_KEY = "test-provider-only"  # noqa: S105 — a throwaway provider that lives for one test run
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.sso.provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(STATE_DIR / "provider.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
# Cookies of their own: a cookie jar keeps cookies per host, not per port, and Hindsight's test
# server may share the host.
SESSION_COOKIE_NAME = "op_sessionid"
CSRF_COOKIE_NAME = "op_csrftoken"
LOGIN_URL = "/accounts/login/"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# RP-initiated logout needs nothing here: django-oidc-provider always serves /openid/end-session and
# names it in discovery; it checks post_logout_redirect_uri against the client's registered ones.
# (OIDC_SESSION_MANAGEMENT_ENABLE is the iframe-based Session Management spec, which Hindsight does
# not use.)
OIDC_USERINFO = "tests.sso.provider.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "tests.sso.provider.claims.GroupsScopeClaims"
