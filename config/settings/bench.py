"""Benchmarks and load tests: production settings, served over plain HTTP on loopback.

Adds one bench-only URL (`/bench/bare/`, a constant DRF response that every figure is compared
with) through `bench.urls`, so the product itself never ships that endpoint. The harness in
`bench/harness.py` sets SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL before starting gunicorn.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from .production import *  # noqa: E402

ROOT_URLCONF = "bench.urls"
# The load generator is one client on 127.0.0.1; the API's per-user throttle stays in the request
# path (its cache lookups are part of the cost measured) but never refuses a request here.
REST_FRAMEWORK = {**REST_FRAMEWORK}
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000000/hour", "user": "100000000/hour"}
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")}}
