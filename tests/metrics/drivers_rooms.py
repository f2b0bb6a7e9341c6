"""Drivers of tests/metrics/test_documented.py for the cache, db and retention rooms' metrics."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any


def _cache_miss_computes(settings: Any) -> None:
    from infra_core.cache import get_or_compute

    assert get_or_compute(f"documented:{uuid.uuid4().hex}", lambda: 7, ttl=60) == 7


def _cache_down(settings: Any) -> None:
    from infra_core.cache import get_or_compute
    from tests.conftest import free_port

    location = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    options = {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}
    down = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": location, "OPTIONS": options}
    settings.CACHES = {**settings.CACHES, "documented_down": down}
    assert get_or_compute("documented", lambda: 1, ttl=60, alias="documented_down") == 1


def _cache_lock_wait(settings: Any) -> None:
    from infra_core.cache import get_or_compute

    key, entered, results = f"documented:{uuid.uuid4().hex}", threading.Event(), []

    def slow() -> str:
        entered.set()
        time.sleep(0.3)  # the second caller waits for this computation
        return "value"

    first = threading.Thread(target=lambda: results.append(get_or_compute(key, slow, ttl=60)))
    first.start()
    assert entered.wait(10)
    results.append(get_or_compute(key, lambda: "not computed twice", ttl=60))
    first.join(10)
    assert results == ["value", "value"]


def _cache_invalidated_on_commit(settings: Any) -> None:
    from django.test import TestCase

    from tests.testapp.models_cache import CacheProduct, CacheReview

    with TestCase.captureOnCommitCallbacks(execute=True):
        CacheReview.objects.create(product=CacheProduct.objects.create(slug="documented"))


def _transaction_retried(settings: Any) -> None:
    from django.db import OperationalError

    from infra_core.db import atomic_with_retry

    tries = []
    for attempt in atomic_with_retry(attempts=2, backoff=0.01):
        with attempt:
            tries.append(1)
            if len(tries) == 1:  # what SQLite raises for a locked table (tests/db: for real)
                raise OperationalError("database is locked")
    assert len(tries) == 2


def _retention_run(settings: Any) -> None:
    from datetime import timedelta

    from infra_core.retention import services
    from infra_core.retention.policies import Policy
    from tests.retention.conftest import NOW, logs
    from tests.testapp.models_retention import RetentionLog

    logs(expired=3, fresh=1)
    outcome = services.run_policy(Policy(RetentionLog, "created_at", timedelta(days=30)), now=NOW)
    assert (outcome.status, outcome.rows) == ("done", 3)


def _request_id_rejected(settings: Any) -> None:
    from django.test import Client

    Client().get("/ping/", HTTP_X_REQUEST_ID="a" * 200)


ROOM_DRIVERS: dict[str, Callable[[Any], None]] = {
    "infra_core_request_ids_rejected_total": _request_id_rejected,
    "infra_core_cache_requests_total": _cache_miss_computes,
    "infra_core_cache_computes_total": _cache_miss_computes,
    "infra_core_cache_errors_total": _cache_down,
    "infra_core_cache_lock_waits_total": _cache_lock_wait,
    "infra_core_cache_invalidations_total": _cache_invalidated_on_commit,
    "infra_core_db_retries_total": _transaction_retried,
    "infra_core_retention_rows_deleted_total": _retention_run,
    "infra_core_retention_run_duration_seconds": _retention_run,
    "infra_core_retention_last_success_timestamp_seconds": _retention_run,
}
