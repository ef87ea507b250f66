"""Settings shared by every environment, read from the environment (see .env.example)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean from the environment ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list from the environment."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "csp",
    "axes",
    "timeline",
    "incidents",
    # Sub-apps: each plugs its pages, panels and jobs into the core (incidents/panels.py); the
    # product works without any of them.
    "incidents.postmortems",
    "incidents.reminders",
    "incidents.insights",
    "incidents.importers",
    "incidents.broadcasts",
    "incidents.sso",
    "incidents.gitsync",
    "incidents.drafting",
    "incidents.tickets",
    "incidents.taxonomy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "incidents.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "incidents.api.middleware.ApiRequestMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Lets the sign-out form of an SSO user's pages redirect to the provider (CSP form-action).
    "incidents.sso.logout.ProviderLogoutCspMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "incidents.middleware.UserTimezoneMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Django's database sessions: a sign-out ends the session in every worker at once, and a cache
# outage cannot sign anyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "incidents.context_processors.hindsight",
            ],
            # The insights app keeps its template tags in one module, registered by path.
            "libraries": {"insights": "incidents.insights.templatetags"},
        },
    },
]

# DATABASE_URL: postgres://user:pass@host:5432/name or sqlite:///path. Default: db.sqlite3 here.
DATABASES = {
    "default": dj_database_url.parse(
        # An empty DATABASE_URL (``DATABASE_URL= make test``) means the default, as unset does.
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # Check a persistent connection before reusing it, so the app recovers by itself when
        # PostgreSQL restarts under it.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A responder's write must wait for a worker's write rather than fail with "database is
    # locked"; IMMEDIATE transactions take the write lock up front, so they queue instead of
    # deadlocking on lock upgrade.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles any query its planner thinks costly: counting 100,000 visible
    # incidents took 334 ms, 257 of them compiling, against 48 ms without (bench/bench_http.py).
    # Short OLTP queries never win it back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "config.auth_backends.LoginRateLimitBackend",
    "config.auth_backends.UserModelBackend",
    # Single sign-on (below): answers only the OpenID Connect callback, and only while it is set up.
    "incidents.sso.backends.OidcBackend",
]
# Login rate limiting (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username from
# one IP address, that pair is locked out for AXES_COOLOFF_MINUTES. Keyed on the pair so that an
# attacker cannot lock a colleague out from elsewhere, and one office NAT does not lock out everyone.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Behind TRUSTED_PROXY_COUNT reverse proxies the client address is read from X-Forwarded-For
# (the hop the outermost trusted proxy added); with 0, REMOTE_ADDR, which a client cannot forge.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "config.auth_backends.client_ip_address"
AXES_VERBOSE = False
# Single sign-on callbacks are not password guesses: neither counted nor locked out.
AXES_WHITELIST_CALLABLE = "config.auth_backends.is_not_a_password"

# Content-Security-Policy (django-csp): no inline script or style anywhere, so an injected
# `<script>` or `onerror=` that got past the Markdown sanitiser still cannot run. Pages keep their
# JavaScript and CSS in static files. The API docs page serves its init script as a file
# (drf-spectacular's split view), so it needs no exception either.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Permissions-Policy: Hindsight uses no camera, microphone, location, payment or other device API.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

# Single sign-on with OpenID Connect (incidents.sso, on mozilla-django-oidc). Off while OIDC_ISSUER
# is unset. The provider's endpoints are read once from {OIDC_ISSUER}/.well-known/openid-configuration;
# the OIDC_OP_*_ENDPOINT variables override them. Register https://<host>/oidc/callback/ there.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "single sign-on")  # "Sign in with <this>"
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
# Signing out of Hindsight after an SSO sign-in also ends the provider's session (OpenID Connect
# RP-Initiated Logout) at its end_session_endpoint; register https://<host>/login/ there as the
# post-logout redirect URI. Needs the ID token, kept in the session as id_token_hint.
OIDC_OP_LOGOUT_ENDPOINT = os.environ.get("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_LOGOUT_AT_PROVIDER = env_bool("OIDC_LOGOUT_AT_PROVIDER", True)
OIDC_STORE_ID_TOKEN = True
OIDC_USE_PKCE = True
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))  # seconds per request to the provider
# The claim naming the user's groups, and group=role pairs (highest role wins, none → viewer),
# applied at every sign-in: e.g. OIDC_ROLE_MAP="sre-admins=admin,sre=responder".
OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "groups")
OIDC_ROLE_MAP = os.environ.get("OIDC_ROLE_MAP", "")
# false: the login page offers only single sign-on and password sign-ins are refused (API tokens work).
HINDSIGHT_LOCAL_LOGIN = env_bool("HINDSIGHT_LOCAL_LOGIN", True)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Email: console in development, SMTP in production (EMAIL_* variables).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Hindsight <hindsight@localhost>")

# Requests larger than this are refused (the API answers 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# The cache holds the API's throttle counts. Per process by default; CACHE_URL (a Redis database
# of its own, e.g. redis://127.0.0.1:6379/1, not the broker's) shares them across workers and hosts.
CACHE_URL = os.environ.get("CACHE_URL", "")
# A cache that is down or hung must cost a request little: both caches go on without it.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "hindsight",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hindsight"}
    ),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "incidents.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, and not with an integration token (those only reach webhooks).
    "DEFAULT_PERMISSION_CLASSES": ["incidents.api.permissions.IsApiUser"],
    "DEFAULT_PARSER_CLASSES": ["incidents.api.parsers.StrictJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "incidents.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "incidents.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "incidents.api.throttling.AnonWindowThrottle",
        # Counted per token (session requests per user), so one runaway script is contained.
        "incidents.api.throttling.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "100000/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hindsight API",
    "DESCRIPTION": "Incidents, timelines, causes, action items, status updates and postmortems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status` or `kind`; name each vocabulary after what it belongs to.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.choices.Status",
        "CauseStatusEnum": "incidents.choices.CauseStatus",
        "ActionStatusEnum": "incidents.choices.ActionStatus",
        "ActionKindEnum": "incidents.choices.ActionKind",
        "JobStatusEnum": "incidents.models.jobs.JobStatus",
        "EventKindEnum": "timeline.choices.EventKind",
        "AlertStatusEnum": ["firing", "resolved"],
        "ChangeKindEnum": "incidents.models.changes.ChangeKind",
    },
}

# Celery. REDIS_URL is the broker in production; without it an embedded broker (SQLite through
# kombu's SQLAlchemy transport) lets worker and beat run for real on a laptop.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or os.environ.get(
    "CELERY_BROKER_URL", f"sqla+sqlite:///{BASE_DIR / 'celery-broker.sqlite3'}"
)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # job state lives in our own Job table
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
REDIS_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    # Redelivery window for messages of a worker that died (acks_late): jobs are idempotent,
    # so an early redelivery costs nothing but a skipped run.
    "visibility_timeout": 600,
    # A responder's request must not hang on a dead broker: fail fast, the outbox keeps the job.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Without this, kombu retries the connection (redis-py backs off 1+2+4 s) and every write
    # that enqueues a job takes ~6 s while Redis is down. Workers reconnect on their own policy
    # (broker_connection_max_retries); the outbox dispatcher retries publishing every 30 s.
    "max_retries": 0,
}
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_BROKER_TRANSPORT_OPTIONS)
# Every queue the app sends to, declared: a worker started with no `-Q` (`celery -A config worker`,
# as documented) consumes all of them; `-Q postmortems` and the like still split them across hosts.
# Without this list a worker consumes only the default queue, and generation and reminders, routed
# to their own queues, wait for ever.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = (Queue("default"), Queue("postmortems"), Queue("reminders"))
CELERY_TASK_ROUTES = {
    "hindsight.postmortems.*": {"queue": "postmortems"},
    "hindsight.reminders.*": {"queue": "reminders"},
}
CELERY_BEAT_SCHEDULE = {
    # Every 30 s: send jobs the outbox still holds (broker was down, or a worker died mid-job).
    "dispatch-pending-jobs": {
        "task": "hindsight.jobs.dispatch_pending",
        "schedule": timedelta(seconds=30),
        "options": {"expires": 25},
    },
}

# Hindsight's own settings.
HINDSIGHT: dict[str, Any] = {
    # Default due dates for action items by priority, in days.
    "ACTION_DUE_DAYS": {"P1": 14, "P2": 28, "P3": 56},
    # Jobs still queued this long after being sent are sent again.
    "JOB_REDISPATCH_AFTER": timedelta(minutes=5),
    # A running job whose worker vanished is retried after this long.
    "JOB_STALE_AFTER": timedelta(seconds=CELERY_TASK_TIME_LIMIT + 60),
    # Reminders (incidents.reminders). Days are the recipient's calendar days.
    "REMINDER_DUE_SOON_DAYS": 2,  # action item due within this many days → owner, once
    "REMINDER_OVERDUE_EVERY_DAYS": 3,  # overdue → owner on the due date, then every N days
    "REMINDER_ESCALATE_AFTER": 2,  # after this many overdue reminders the commander is told too
    "REMINDER_POSTMORTEM_EVERY_DAYS": 7,  # unpublished past its due date → commander and authors
    # SEV1/SEV2 incident with no timeline entry or status update for this long → commander.
    "REMINDER_QUIET_INCIDENT_AFTER": {"SEV1": timedelta(minutes=30), "SEV2": timedelta(minutes=60)},
    "REMINDER_DIGEST_WEEKDAY": 0,  # weekly digest on the recipient's Monday (0) morning
    "REMINDER_BATCH_SIZE": 1000,  # rows per query in the sweep
    "REMINDER_MAX_ATTEMPTS": 8,  # failed email/webhook sends are given up after this many tries
    "REMINDER_RETRY_BACKOFF": timedelta(minutes=1),  # doubles per attempt…
    "REMINDER_RETRY_BACKOFF_MAX": timedelta(hours=2),  # …up to this
    "REMINDER_SEND_LEASE": timedelta(minutes=5),  # a claimed send not finished by then was interrupted
    "REMINDER_SNOOZE_LINK_MAX_AGE": timedelta(days=14),  # signed snooze links in emails expire
    "REMINDER_DEFAULT_CHANNELS": {"email": True, "webhook": True},  # in-app is always on
    # Optional global outgoing webhook (per-team webhooks are edited in the admin).
    "REMINDER_WEBHOOK_URL": os.environ.get("REMINDER_WEBHOOK_URL", ""),
    "REMINDER_WEBHOOK_SECRET": os.environ.get("REMINDER_WEBHOOK_SECRET", ""),
    "REMINDER_WEBHOOK_TIMEOUT": 5,  # seconds
    # Changes to an incident's services shown with it: from this long before it started to its end.
    "CHANGE_WINDOW_BEFORE": timedelta(hours=2),
    # Deployment webhooks (README "Deployments from GitHub and GitLab"); each hook is off while empty.
    "GITHUB_DEPLOY_WEBHOOK_SECRET": os.environ.get("GITHUB_DEPLOY_WEBHOOK_SECRET", ""),  # signs the body
    "GITLAB_DEPLOY_WEBHOOK_TOKEN": os.environ.get("GITLAB_DEPLOY_WEBHOOK_TOKEN", ""),  # X-Gitlab-Token
    # Alertmanager's `severity` label (lower-cased) → Hindsight severity; anything else gets the default.
    "ALERTMANAGER_SEVERITY_MAP": {
        "critical": "SEV1",
        "page": "SEV1",
        "error": "SEV2",
        "major": "SEV2",
        "high": "SEV2",
        "warning": "SEV3",
        "minor": "SEV3",
        "medium": "SEV3",
        "info": "SEV4",
        "low": "SEV4",
        "none": "SEV4",
    },
    "ALERTMANAGER_DEFAULT_SEVERITY": "SEV3",
    # Sentry's hook (POST /api/v1/hooks/sentry/): its internal integration's client secret signs posts.
    "SENTRY_CLIENT_SECRET": os.environ.get("SENTRY_CLIENT_SECRET", ""),
    "SENTRY_MAX_AGE": timedelta(minutes=5),  # an older (or further ahead) Sentry-Hook-Timestamp is a replay
    # An event's or issue's `level`, and a metric alert's action → Hindsight severity.
    "SENTRY_SEVERITY_MAP": {
        "fatal": "SEV1",
        "critical": "SEV1",
        "error": "SEV2",
        "warning": "SEV3",
        "info": "SEV4",
        "debug": "SEV4",
    },
    # Broadcasts to chat and subscriptions (incidents.broadcasts).
    "BROADCAST_TIMEOUT": 5,  # seconds per chat post
    "BROADCAST_MAX_ATTEMPTS": 5,  # a failing chat post or email is given up after this many tries
    "STATUS_SUBSCRIBE_PER_ADDRESS": 3,  # status-page sign-ups per address per window…
    "STATUS_SUBSCRIBE_PER_CLIENT": 20,  # …and per client address
    "STATUS_SUBSCRIBE_WINDOW": timedelta(hours=1),
    "STATUS_CONFIRM_MAX_AGE": timedelta(days=7),  # confirmation links expire
    # Postmortems in Git (incidents.gitsync): off while GIT_REPOSITORY is empty.
    "GIT_REPOSITORY": os.environ.get("HINDSIGHT_GIT_REPOSITORY", ""),  # a path, https:// or ssh:// URL
    "GIT_BRANCH": os.environ.get("HINDSIGHT_GIT_BRANCH", "main"),
    # HTTPS credentials (a token as the password) if not in the URL; SSH uses ~/.ssh/config.
    "GIT_USERNAME": os.environ.get("HINDSIGHT_GIT_USERNAME", ""),
    "GIT_PASSWORD": os.environ.get("HINDSIGHT_GIT_PASSWORD", ""),
    "GIT_AUTHOR_NAME": os.environ.get("HINDSIGHT_GIT_AUTHOR_NAME", "Hindsight"),
    "GIT_AUTHOR_EMAIL": os.environ.get("HINDSIGHT_GIT_AUTHOR_EMAIL", "hindsight@localhost"),
    # A private incident's postmortem is never committed unless this is true.
    "GIT_INCLUDE_PRIVATE": os.environ.get("HINDSIGHT_GIT_INCLUDE_PRIVATE", "").lower() in ("1", "true"),
    # Where Hindsight keeps its bare mirror of the repository.
    "GIT_DATA_DIR": os.environ.get("HINDSIGHT_GIT_DATA_DIR", str(BASE_DIR / "data" / "git")),
    "GIT_WEBHOOK_SECRET": os.environ.get("HINDSIGHT_GIT_WEBHOOK_SECRET", ""),
    # Drafting postmortem sections with an AI model (incidents.drafting): off unless a base URL and
    # a model are set. Any OpenAI-compatible Chat Completions endpoint (Ollama, vLLM, llama.cpp, …).
    "LLM_BASE_URL": os.environ.get("HINDSIGHT_LLM_BASE_URL", "").strip(),
    "LLM_MODEL": os.environ.get("HINDSIGHT_LLM_MODEL", "").strip(),
    "LLM_API_KEY": os.environ.get("HINDSIGHT_LLM_API_KEY", ""),
    # The admin vouches the endpoint runs on their own infrastructure: only then are private
    # incidents sent to it.
    "LLM_LOCAL": env_bool("HINDSIGHT_LLM_LOCAL", False),
    "LLM_TIMEOUT": float(os.environ.get("HINDSIGHT_LLM_TIMEOUT", "120")),  # seconds per call (< task limit)
    "LLM_MAX_ATTEMPTS": 4,  # a failing call is retried with backoff, then recorded as failed
    "LLM_MAX_RECORD_ITEMS": 400,  # timeline entries sent at most (key entries first)
    # Ticket sync with GitHub, GitLab and Jira (incidents.tickets).
    "TICKETS_TIMEOUT": 10,  # seconds per call to a tracker
    "TICKETS_MAX_ATTEMPTS": 6,  # creating a ticket is given up after this many failed tries
    # The reconcile also rechecks tickets closed within this many days (hourly at most), in case a
    # "reopened" webhook was missed; 0: closed tickets are left to webhooks.
    "TICKETS_RECHECK_CLOSED_DAYS": int(os.environ.get("HINDSIGHT_TICKETS_RECHECK_CLOSED_DAYS", "30")),
}

# Each 4xx is one line: django.request logs it (without the traceback Django attaches to a
# PermissionDenied), and runserver's django.server does not log it a second time.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "client_error_without_traceback": {"()": "config.logging.ClientErrorWithoutTraceback"},
        "skip_client_errors_already_logged": {"()": "config.logging.SkipClientErrorsAlreadyLogged"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_error_without_traceback"]},
        "django.server": {"filters": ["skip_client_errors_already_logged"]},
    },
}

_ = crontab  # re-exported for settings modules that add beat entries
