"""A Celery app for the health tests; broker from HEALTH_TEST_BROKER (a throwaway Redis)."""

from __future__ import annotations

import os

from celery import Celery

app = Celery("infra-health-test")
app.conf.broker_url = os.environ.get("HEALTH_TEST_BROKER", "redis://127.0.0.1:1/0")
app.conf.broker_connection_retry_on_startup = True
app.conf.worker_hijack_root_logger = False
