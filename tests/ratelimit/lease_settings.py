"""Settings of the gunicorn masters of test_lease_gunicorn.py: a leased scope, throwaway Redis."""

from __future__ import annotations

import os

from tests.settings import *  # noqa: F403

ROOT_URLCONF = "tests.ratelimit.lease_wsgi"
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ["INFRA_TEST_LEASE_REDIS"],
        "KEY_PREFIX": "lease-test",
    }
}
LEASE_LIMIT = int(os.environ.get("INFRA_TEST_LEASE_LIMIT", "100"))
LEASE_SIZE = int(os.environ.get("INFRA_TEST_LEASE_SIZE", "10"))
INFRA_CORE = {
    "RATELIMIT_RATES": {"leased": f"{LEASE_LIMIT}/h"},
    "RATELIMIT_SCOPE_LEASE": {"leased": LEASE_SIZE},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
