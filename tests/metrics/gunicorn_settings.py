"""Settings for the gunicorn subprocess in test_gunicorn.py (tests.settings + metrics)."""

from __future__ import annotations

from tests.settings import *  # noqa: F403
from tests.settings import MIDDLEWARE

ROOT_URLCONF = "tests.metrics.gunicorn_urls"
MIDDLEWARE = [MIDDLEWARE[0], "infra_core.middleware.MetricsMiddleware", *MIDDLEWARE[1:]]
INFRA_CORE = {"METRICS_TOKEN": "gunicorn-test-token-0123456789"}
LOGGING = {"version": 1, "disable_existing_loggers": False}
