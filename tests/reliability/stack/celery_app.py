"""The Celery app of the reliability stack's worker."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.stack.settings")

app = Celery("infra_core_reliability")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["infra_core"])
app.conf.include = ["tests.reliability.stack.tasks"]
