"""Settings of the reliability suite's full stack (gunicorn workers and the Celery worker).

Every address comes from the environment the harness sets (``REL_*``): a database of its own on
the shared PostgreSQL, a throwaway Redis for cache and rate limits (reached through the harness's
TCP proxy, so it can be black-holed), a throwaway Redis as the Celery broker.
"""

from __future__ import annotations

import os

from infra_core.logging import logging_config

SECRET_KEY = "reliability-test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "tests.reliability.stack.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "infra_core",
]
# Every infra_core middleware, in the documented order (infra_core/middleware.py).
MIDDLEWARE = [
    "infra_core.middleware.RequestIDMiddleware",
    "infra_core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "infra_core.middleware.AccessLogMiddleware",
    "infra_core.middleware.RateLimitMiddleware",
    "infra_core.middleware.ErrorMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("INFRA_TEST_PG_HOST", "127.0.0.1"),
        "PORT": os.environ.get("INFRA_TEST_PG_PORT", "5432"),
        "USER": os.environ.get("INFRA_TEST_PG_USER", "postgres"),
        "NAME": os.environ.get("REL_PG_NAME", "rel_unset"),
        # Persistent connections, so pg_terminate_backend hits connections the app holds.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "connect_timeout": 3,
            "application_name": os.environ.get("REL_PG_APP", "relapp"),
        },
    }
}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": os.environ.get("REL_CACHE_URL", "redis://127.0.0.1:1/0"),
        "KEY_PREFIX": "rel",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
    }
}

INFRA_CORE: dict[str, object] = {
    "METRICS_TOKEN": os.environ.get("REL_METRICS_TOKEN", "reliability-token-0123456789"),
    # /relclosed/ fails closed (429 while Redis is away); every other scope fails open.
    "RATELIMIT_SCOPE_FAIL_OPEN": {"relclosed": False},
}

# Celery (tests/reliability/stack/celery_app.py), ordered as docs/tasks.md#lost-workers asks:
# time limit < visibility timeout; a short visibility timeout and a 1 s restore scan so a lost
# worker's messages come back within seconds.
CELERY_BROKER_URL = os.environ.get("REL_BROKER_URL", "redis://127.0.0.1:1/0")
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("REL_QUEUE", "rel")
CELERY_TASK_TIME_LIMIT = 5
CELERY_TASK_SOFT_TIME_LIMIT = 4
VISIBILITY_TIMEOUT = 8.0
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 1.0,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_DB_REUSE_MAX = 1000

# Warnings and errors only in gunicorn (an access-log line per request would make the load test
# measure the disk); the worker logs INFO (REL_LOG_LEVEL) so its start and tasks are visible.
LOGGING = logging_config(json=True, level=os.environ.get("REL_LOG_LEVEL", "WARNING"))
