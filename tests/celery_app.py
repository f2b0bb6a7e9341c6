"""The Celery app of the test project (the host project owns its app; infra_core creates none)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

if os.environ.get("INFRA_TEST_SENTRY_FILE"):
    # Sentry in the worker (tests/sentry/test_celery_worker.py): a real client whose transport
    # appends envelopes to that file. Initialised before the pool forks, as a project would.
    from tests.sentry.file_transport import init_from_env

    init_from_env()

app = Celery("infra_core_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # Keep Django's LOGGING (JSON lines with the request id) in the worker.
    worker_hijack_root_logger=False,
    worker_prefetch_multiplier=1,
    task_acks_late=True,
    broker_connection_retry_on_startup=True,
    # A message whose worker vanished is restored this soon (default: one hour).
    broker_transport_options={
        "visibility_timeout": float(os.environ.get("INFRA_TEST_VISIBILITY_TIMEOUT", "30")),
        # kombu's defaults (a restore scan every 10 x 10 s) unless a lost-worker test asks.
        "unacked_restore_interval": float(os.environ.get("INFRA_TEST_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": int(os.environ.get("INFRA_TEST_RESTORE_THROTTLE", "10")),
    },
)
app.autodiscover_tasks(["infra_core", "tests.testapp"])  # as a host project would

QUEUE: str = app.conf.task_default_queue
