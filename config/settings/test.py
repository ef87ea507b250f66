"""Tests: fast password hashing, in-memory email, the same database and broker rules as base."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, REDIS_URL

DEBUG = False

# A file, not :memory:, for SQLite test databases: Celery test workers and the live server run in
# other threads and must see the same database (pytest-xdist adds a suffix per worker).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Serve static files from the app folders as in development: tests never run collectstatic, and
# without these every request warns that STATIC_ROOT does not exist.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each pytest-xdist worker gets its own broker: a test worker in one process would otherwise take
# another process's jobs, find no such job in its own test database, and leave that test waiting.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_broker_file = BASE_DIR / ("celery-broker-test-" + XDIST_WORKER if XDIST_WORKER else "celery-broker-test")
CELERY_BROKER_URL = REDIS_URL or os.environ.get("CELERY_BROKER_URL", f"sqla+sqlite:///{_broker_file}.sqlite3")
if XDIST_WORKER and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": f"{XDIST_WORKER}:",
    }
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/minute", "user": "100000/minute"}
