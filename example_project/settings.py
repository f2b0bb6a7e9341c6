"""Example project: every infra_core feature on embedded defaults (SQLite, local memory cache).

Its environment is declared once in ``ENV`` (docs/env.md): with no variable set, `make run`
works on SQLite, a local-memory cache and kombu's filesystem broker; set ``DATABASE_URL`` and
``REDIS_URL`` to use real services. ``manage.py infra_env`` checks an environment against it;
``manage.py infra_env --example`` writes the documented ``.env.example``.
"""

from __future__ import annotations

import os
from pathlib import Path

from infra_core.env import EnvSchema, Var
from infra_core.logging import logging_config
from infra_core.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent

ENV = EnvSchema(
    prefix="EXAMPLE_",
    DEBUG=Var(bool, default=True, help="Development mode; every deployment sets false."),
    SECRET_KEY=Var(
        str,
        default="example-project-development-key-never-use-this-one-in-production",
        secret=True,
        min_length=50,
        required_when={"DEBUG": False},
        help="Django's signing key.",
        hint='Generate one: python -c "import secrets; print(secrets.token_urlsafe(50))".',
    ),
    ALLOWED_HOSTS=Var(list, default="localhost,127.0.0.1,[::1]", help="Hosts this site serves."),
    DATABASE_URL=Var(
        "db_url",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        secret=True,
        help="Main database; the default is a local SQLite file.",
        example="postgres://app:password@127.0.0.1:5432/app",
    ),
    REDIS_URL=Var(
        "cache_url",
        default=None,
        help="Redis for the cache, rate limits and the Celery broker; unset: local memory.",
        example="redis://127.0.0.1:6379/0",
    ),
    CELERY_BROKER_URL=Var("url", default=None, help="Celery broker; unset: REDIS_URL, else files."),
    LOG_JSON=Var(bool, default=False, help="One JSON object per log line."),
    LOG_LEVEL=Var(str, default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    METRICS_TOKEN=Var(
        str, default=None, secret=True, min_length=16, help="Bearer token Prometheus sends."
    ),
    HEALTH_TOKEN=Var(
        str, default=None, secret=True, min_length=16, help="Bearer token for /health/ detail."
    ),
    GIT_SHA=Var(str, default=None, help="Version shown to authorized /health/ callers."),
    SENTRY_DSN=Var("url", default=None, secret=True, help="Sentry project DSN; unset: no Sentry."),
    SENTRY_ENVIRONMENT=Var(str, default=None, help="Sentry environment name."),
    SENTRY_RELEASE=Var(str, default=None, help="Sentry release name."),
    SENTRY_SAMPLE_RATE=Var(float, default=1.0, min=0, max=1, help="Share of errors sent."),
    SENTRY_TRACES_SAMPLE_RATE=Var(float, default=0.0, min=0, max=1, help="Share of traces."),
    EXAMPLE_DEMO_RATE=Var(str, default="5/m", help="Rate of the /demo/limited/ view."),
    EXAMPLE_ENV_FILE=Var("path", default=None, help="A .env file to read (never by default)."),
    EXAMPLE_PORT=Var(int, default=8000, min=1, max=65535, help="Port `make run` serves on."),
    EXAMPLE_BROKER_DIR=Var(
        "path", default=None, help="Folder of the filesystem broker; unset: .celery-broker/."
    ),
)
# A .env file is read only when asked, and never overrides the real environment.
env = ENV.load(env_file=os.environ.get("EXAMPLE_ENV_FILE") or None)

SECRET_KEY = env.SECRET_KEY
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS
ROOT_URLCONF = "example_project.urls"
WSGI_APPLICATION = "example_project.wsgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "infra_core",
    "example_project.shop",
]

MIDDLEWARE = [
    "infra_core.middleware.RequestIDMiddleware",
    "infra_core.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "infra_core.middleware.AccessLogMiddleware",
    "infra_core.middleware.ErrorMiddleware",
]
CSRF_FAILURE_VIEW = "infra_core.errors.views.csrf_failure"

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

DATABASES = {"default": env.DATABASE_URL}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to one file: WAL lets readers go on during a write,
    # IMMEDIATE takes the write lock up front (no "database is locked" on a lock upgrade).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
else:
    # A dead database server fails the health check in 3 s instead of blocking (infra_core.W301).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)

if env.REDIS_URL:
    REDIS_URL = str(env.REDIS_URL["LOCATION"])
    CACHES = {
        "default": {
            **env.REDIS_URL,
            "BACKEND": "django_redis.cache.RedisCache",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
else:
    REDIS_URL = ""
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Known and accepted for a one-process demo: limits are counted per process without Redis.
    # (In `check --deploy` the same finding is infra_core.E714, which is not silenced.)
    # Likewise cache-aside single flight and invalidation (W509): the web process is the only one
    # that caches (the worker writes no Item), so the demo's invalidation is still exact.
    SILENCED_SYSTEM_CHECKS = ["infra_core.W205", "infra_core.W509"]

# Celery: Redis when configured, else kombu's filesystem transport (no server needed).
CELERY_BROKER_URL = env.CELERY_BROKER_URL or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = Path(env.EXAMPLE_BROKER_DIR or BASE_DIR / ".celery-broker")
    (_broker_dir / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
    }
else:
    # Lost workers (docs/tasks.md#lost-workers): a message whose worker died is restored after
    # visibility_timeout (kept above the time limit: infra_core.W718) by the next restore scan
    # (every unacked_restore_interval s with throttle 1; kombu's default scans every 100 s), so
    # recovery takes at most ~910 s instead of over an hour. A dead broker fails a publish in 1 s.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 900,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 1,
        "socket_timeout": 5,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_ACKS_LATE = True
# A task whose worker dies is redelivered, not acknowledged (infra_core.W717).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Below the visibility timeout (900 s), so a long task is never run twice (infra_core.W718);
# `infra_dlq sweep` follows it (TASKS_STALE_AFTER unset: 600 + 60 s, infra_core.W410).
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 570
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Keep the worker's DB connection across tasks (Celery closes it around each one otherwise).
CELERY_DB_REUSE_MAX = 1000

INFRA_CORE: dict[str, object] = {
    # `manage.py infra_env` and the env checks find the schema here.
    "ENV_SCHEMA": "example_project.settings.ENV",
    # Plan tiers: request.user.plan (or the bound plan) picks the rate; None means unlimited.
    "RATELIMIT_RATES": {
        "api": {"free": "60/m", "pro": "600/m", "enterprise": None},
        "demo": env.EXAMPLE_DEMO_RATE,
        # POST /demo/task/ per client IP: enqueueing is not free, and it can fill the DLQ.
        "demo_task": "10/m",
        # GET /api/quota/, per demo API key (X-Api-Key) or client IP: small, to see a 429.
        "quota": {"free": "3/m", "pro": "10/m", "enterprise": None},
    },
    "RATELIMIT_DEFAULT_PLAN": "free",
    "RATELIMIT_PLAN_RESOLVER": "example_project.shop.plans.plan_of",
    # Every committed Item change bumps the "items" namespace: cached list pages are retired.
    "CACHE_INVALIDATION": {"shop.Item": {"namespaces": ["items"]}},
    "ACCESS_LOG_SLOW_MS": 500,
    # Prometheus scrapes /metrics with "Authorization: Bearer $METRICS_TOKEN"; unset: staff only.
    "METRICS_TOKEN": env.METRICS_TOKEN,
    # /health/ detail for "Authorization: Bearer $HEALTH_TOKEN" (and staff); others see status only.
    "HEALTH_TOKEN": env.HEALTH_TOKEN,
    "HEALTH_VERSION": env.GIT_SHA,
}

LOGGING = logging_config(json=env.LOG_JSON, level=env.LOG_LEVEL)

# The validated SENTRY_* values (from the environment or the env file); no DSN: no Sentry.
_SENTRY = ("DSN", "ENVIRONMENT", "RELEASE", "SAMPLE_RATE", "TRACES_SAMPLE_RATE")
_sentry_env = {f"SENTRY_{k}": env[f"SENTRY_{k}"] for k in _SENTRY}
init_sentry({k: str(v) for k, v in _sentry_env.items() if v is not None})
