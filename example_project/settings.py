"""Example project: every infra_core feature on embedded defaults (SQLite, local memory cache).

Set ``DATABASE_URL`` and ``REDIS_URL`` to use real services.
"""

from __future__ import annotations

from pathlib import Path

import environ

from infra_core.logging import logging_config
from infra_core.sentry import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env(
    DEBUG=(bool, True),
    LOG_JSON=(bool, False),
)

SECRET_KEY = env.str("SECRET_KEY", default="example-project-not-secret")
DEBUG = env.bool("DEBUG")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Known and accepted for a one-process demo: limits are counted per process without Redis.
    SILENCED_SYSTEM_CHECKS = ["infra_core.W205"]

# Celery: Redis when configured, else kombu's filesystem transport (no server needed).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = BASE_DIR / ".celery-broker"
    _broker_dir.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Keep the worker's DB connection across tasks (Celery closes it around each one otherwise).
CELERY_DB_REUSE_MAX = 1000

INFRA_CORE: dict[str, object] = {
    # Plan tiers: request.user.plan (or the bound plan) picks the rate; None means unlimited.
    "RATELIMIT_RATES": {
        "api": {"free": "60/m", "pro": "600/m", "enterprise": None},
        "demo": "5/m",
    },
    "RATELIMIT_DEFAULT_PLAN": "free",
    "ACCESS_LOG_SLOW_MS": 500,
    # Prometheus scrapes /metrics with "Authorization: Bearer $METRICS_TOKEN"; unset: staff only.
    "METRICS_TOKEN": env.str("METRICS_TOKEN", default="") or None,
    # /health/ detail for "Authorization: Bearer $HEALTH_TOKEN" (and staff); others see status only.
    "HEALTH_TOKEN": env.str("HEALTH_TOKEN", default="") or None,
    "HEALTH_VERSION": env.str("GIT_SHA", default="") or None,
}

LOGGING = logging_config(json=env.bool("LOG_JSON"), level="INFO")

# Reads SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE, ...; does nothing without a DSN.
init_sentry()
