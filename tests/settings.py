"""Settings for the test suite: real Redis, SQLite or PostgreSQL chosen by environment.

``tests/services.py`` (run by ``make test``) exports the service addresses; subprocesses the tests
start (Celery workers, gunicorn) inherit the same environment, so they share database and prefix.
"""

from __future__ import annotations

import json
import os

from infra_core.logging import logging_config

SECRET_KEY = "test-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "infra_core",
    "tests.testapp",
]

MIDDLEWARE = [
    "infra_core.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "infra_core.middleware.AccessLogMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
STATIC_URL = "/static/"

# Unique per test run so concurrent runs on one machine never share a database or Redis keys.
RUN_ID = os.environ.setdefault("INFRA_TEST_RUN_ID", f"r{os.getpid()}")
DB = os.environ.get("INFRA_TEST_DB", "sqlite")

if DB == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": os.environ.get("INFRA_TEST_PG_HOST", "127.0.0.1"),
            "PORT": os.environ.get("INFRA_TEST_PG_PORT", "5432"),
            "USER": os.environ.get("INFRA_TEST_PG_USER", "postgres"),
            "NAME": os.environ.get("INFRA_TEST_PG_NAME", "test"),
            "TEST": {"NAME": f"test_infra_core_{RUN_ID}"},
            # A dead host fails the health check in 3 s instead of blocking (infra_core.W301).
            "OPTIONS": {"connect_timeout": 3},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("INFRA_TEST_SQLITE_NAME", ":memory:"),
        }
    }

REDIS_URL = os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"infra-test-{RUN_ID}",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    },
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# Worker subprocesses get their overrides as JSON (the test process uses override_settings).
INFRA_CORE: dict[str, object] = json.loads(os.environ.get("INFRA_TEST_INFRA_CORE", "{}"))

# Celery (tests/celery_app.py): Redis broker on its own database number, a queue per run.
CELERY_BROKER_URL = os.environ.get("INFRA_TEST_BROKER_URL", REDIS_URL.rsplit("/", 1)[0] + "/2")
CELERY_TASK_DEFAULT_QUEUE = f"infra-test-{RUN_ID}"
# Workers keep their database connection across tasks (infra_core.W409); 0 = Celery's default.
CELERY_DB_REUSE_MAX = int(os.environ.get("INFRA_TEST_DB_REUSE_MAX", "1000")) or None

LOGGING = logging_config(json=True, level="INFO")
