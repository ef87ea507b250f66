"""Benchmarks and load tests: production settings, served over plain HTTP on loopback.

Adds one bench-only URL (`/bench/bare/`, a constant DRF response that every figure is compared
with) through `bench.urls`, so the product itself never ships that endpoint. The harness in
`bench/harness.py` sets SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL before starting gunicorn.
"""

import os
from datetime import timedelta

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from .production import *  # noqa: E402

ROOT_URLCONF = "bench.urls"
# The load generator is one client on 127.0.0.1; the API's per-user throttle stays in the request
# path (its cache lookups are part of the cost measured) but never refuses a request here.
REST_FRAMEWORK = {**REST_FRAMEWORK}
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000000/hour", "user": "100000000/hour"}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")}}

# Recovery after a fault happens on the same paths as in production, only sooner, so the fault
# tests finish in bounded time: a dead worker's message comes back after 30 s instead of 10 min,
# a job left "running" by it is taken again after 20 s instead of 6 min, the outbox is swept every
# 5 s instead of 30 s.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 30}
HINDSIGHT = {
    **HINDSIGHT,
    "JOB_STALE_AFTER": timedelta(seconds=20),
    "JOB_REDISPATCH_AFTER": timedelta(seconds=15),
}
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "dispatch-pending-jobs": {
        "task": "hindsight.jobs.dispatch_pending",
        "schedule": timedelta(seconds=5),
        "options": {"expires": 4},
    },
}

# Mail goes to files under bench/out/mail (no SMTP server on a benchmark machine).
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = str(BASE_DIR / "bench" / "out" / "mail")
