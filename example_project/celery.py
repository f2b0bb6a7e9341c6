"""The example project's Celery app. infra_core creates none: the host project owns its app.

With no CELERY_BROKER_URL (and no REDIS_URL) the broker is kombu's filesystem transport in
``.celery-broker/``, so `make run` plus ``celery -A example_project worker`` work with no server.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")

app = Celery("example_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["example_project"])
