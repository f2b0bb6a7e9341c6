"""Settings for the database-outage access-log test: every infra_core middleware listed."""

from __future__ import annotations

from tests.settings import *  # noqa: F403

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
    "infra_core.middleware.RateLimitMiddleware",
    "infra_core.middleware.ErrorMiddleware",
]
INFRA_CORE = {
    "HEALTH_CHECKS": ["infra_core.health.probes.DatabaseCheck"],
    "HEALTH_CACHE_SECONDS": 0,
    "ACCESS_LOG_SKIP_PATHS": [],
    "RATELIMIT_RATES": {"all": "1000/m"},
    "RATELIMIT_DEFAULT_RULE": {"scope": "all", "key": "user_or_ip"},
}
