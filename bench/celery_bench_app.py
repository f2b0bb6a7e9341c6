"""Celery app for bench_tasks.py: a plain task and an InfraTask, both bumping a Redis counter."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

import redis  # noqa: E402
from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402

from infra_core.tasks import InfraTask  # noqa: E402

app = Celery("infra_core_bench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(worker_hijack_root_logger=False, worker_prefetch_multiplier=4)

COUNTER = redis.Redis.from_url(settings.CELERY_BROKER_URL)


def _tick(key: str, n: int) -> None:
    # Redis TIME on the first and the last task: the worker's own span, no polling error.
    done = COUNTER.incr(f"{key}:count")
    if done == 1:
        COUNTER.set(f"{key}:start", "{}.{:06d}".format(*COUNTER.time()))
    if done == n:
        COUNTER.set(f"{key}:end", "{}.{:06d}".format(*COUNTER.time()))


@app.task(name="bench.plain", acks_late=True)
def plain(key: str, n: int) -> None:
    _tick(key, n)


@app.task(name="bench.infra", base=InfraTask)
def infra(key: str, n: int) -> None:
    _tick(key, n)
