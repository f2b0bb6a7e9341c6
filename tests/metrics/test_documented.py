"""Every metric the docs name is recorded by a real code path, seen on a real /metrics scrape.

The docs (``docs/*.md``) are scanned for backticked ``infra_core_*`` names; each one that is not a
message header or a database table must be a metric, and ``DRIVERS`` (other rooms' drivers in
``drivers_rooms.py``) must hold a function that exercises the feature recording it. The test
scrapes /metrics before and after the driver and fails unless a sample of that metric changed to
a non-zero value (a counter or histogram count went up, a gauge was set). A metric documented
without a driver fails too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from infra_core import context
from tests.metrics.conftest import METRICS_MIDDLEWARE, TOKEN
from tests.metrics.drivers_rooms import ROOM_DRIVERS

DOCS = Path(__file__).resolve().parents[2] / "docs"
BACKTICKED = re.compile(r"`(infra_core_[a-z0-9_]*[a-z0-9])(?:\{[^`]*\})?`")
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _not_metrics() -> set[str]:
    """Names in the docs that are message headers, database tables or indexes, not metrics."""
    from infra_core.tasks.dlq import REPLAY_HEADER

    headers = context.Snapshot(request_id="r", user_id="u", plan="p").as_headers()
    tables = {model._meta.db_table for model in apps.get_models()}
    indexes = {index.name for model in apps.get_models() for index in model._meta.indexes}
    return {*headers, REPLAY_HEADER, *tables, *indexes}


def documented_metrics() -> list[str]:
    """Return every metric name the docs mention (sorted)."""
    names: set[str] = set()
    for page in sorted(DOCS.glob("*.md")):
        names.update(BACKTICKED.findall(page.read_text(encoding="utf-8")))
    return sorted(names - _not_metrics())


def scrape() -> Samples:
    """Return every sample of a real, authorised /metrics scrape."""
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def recorded(metric: str, before: Samples, after: Samples) -> list[str]:
    """Return the samples of ``metric`` (counter, gauge or histogram count) the driver changed."""
    names = {metric, f"{metric}_count"}
    return [
        f"{name}{dict(labels)} {before.get((name, labels))} -> {value}"
        for (name, labels), value in after.items()
        if name in names and value != 0 and value != before.get((name, labels))
    ]


# --- drivers: one per documented metric, each a real path of the feature -------------------------
def _request_through_metrics_middleware(settings: Any) -> None:
    settings.MIDDLEWARE = [settings.MIDDLEWARE[0], METRICS_MIDDLEWARE, *settings.MIDDLEWARE[1:]]
    assert Client().get("/ping/").status_code == 200


def _error_envelope(settings: Any) -> None:
    assert Client().get("/metrics").status_code == 401  # error_response counts its code


def _rate_limited_view(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.ratelimit.urls"
    assert Client().get("/sync/", headers={"X-Client": uuid.uuid4().hex}).status_code == 200


def _breaker_opens(settings: Any) -> None:
    from infra_core.redis.breaker import BreakerState, CircuitBreaker

    breaker = CircuitBreaker(f"docs-{uuid.uuid4().hex[:8]}", failures=1, cooldown=60)
    breaker.record_failure(ConnectionError("down"))
    assert breaker.state is BreakerState.OPEN


def _health_round(settings: Any) -> None:
    from infra_core.health.reports import results_cache

    name = f"documented-{uuid.uuid4().hex[:8]}"  # a gauge set before would not change again
    check = {"check": "tests.health.checks_for_tests.CountingCheck", "name": name}
    settings.INFRA_CORE = {**settings.INFRA_CORE, "HEALTH_CHECKS": [check]}
    results_cache.clear()  # a round is reused for HEALTH_CACHE_SECONDS; run a new one
    assert Client().get("/health/").status_code == 200


def _task_runs(settings: Any) -> None:
    from tests.testapp.tasks import add

    assert add.apply(args=(2, 3)).get() == 5


def _dead_letter_recorded(settings: Any) -> None:
    from infra_core.tasks import dlq

    dlq.record(dlq.Failure(task_name="tests.documented", task_id=uuid.uuid4().hex))


def _dead_letter_pending(settings: Any) -> None:
    from infra_core.tasks.metrics import PENDING

    _dead_letter_recorded(settings)
    PENDING._at = float("-inf")  # the gauge caches its count for 30 s; count again now


def _dead_letter_replayed(settings: Any) -> None:
    from infra_core.tasks import dlq, operations
    from tests.celery_app import app

    queue = f"infra-test-{uuid.uuid4().hex}"
    failure = dlq.Failure(task_name="tests.add", task_id=uuid.uuid4().hex, args=[1, 2], queue=queue)
    row = dlq.record(failure)
    try:
        operations.replay(row.pk, actor="docs-test", app=app)
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.client.delete(queue, f"_kombu.binding.{queue}")


def _api_call(settings: Any) -> None:
    from infra_core.metrics import track_api_call

    with track_api_call("documented"):
        pass


def _business_event(settings: Any) -> None:
    from infra_core.metrics import business_event

    business_event("documented")


def _event_published(settings: Any) -> None:
    from infra_core.events import publish

    publish("documented.nobody_listens", {}, on_commit=False)  # counted published, no_handler


def _observer_fails(settings: Any) -> None:
    from infra_core.logging import measure

    def broken_metric(seconds: float, failed: bool) -> None:
        raise RuntimeError("the metrics backend broke")

    with measure("documented", observe=broken_metric):  # the block still runs and is logged
        pass


def _security_event(settings: Any) -> None:
    response = Client().get("/metrics", headers={"Authorization": "Bearer wrong-token-000"})
    assert response.status_code == 403


def _query_timed(settings: Any) -> None:
    from django.contrib.auth.models import User

    from infra_core.logging import measure_query

    with measure_query("documented.count"):
        User.objects.count()


def _job_timed(settings: Any) -> None:
    from infra_core.logging import measure_job

    with measure_job("documented"):
        pass


DRIVERS: dict[str, Callable[[Any], None]] = {
    "infra_core_http_requests_total": _request_through_metrics_middleware,
    "infra_core_http_request_duration_seconds": _request_through_metrics_middleware,
    "infra_core_errors_total": _error_envelope,
    "infra_core_ratelimit_decisions_total": _rate_limited_view,
    "infra_core_circuit_breaker_open": _breaker_opens,
    "infra_core_circuit_breaker_transitions_total": _breaker_opens,
    "infra_core_health_check_up": _health_round,
    "infra_core_health_check_duration_seconds": _health_round,
    "infra_core_task_outcomes_total": _task_runs,
    "infra_core_dlq_recorded_total": _dead_letter_recorded,
    "infra_core_dlq_replays_total": _dead_letter_replayed,
    "infra_core_dlq_pending": _dead_letter_pending,
    "infra_core_outbound_requests_total": _api_call,
    "infra_core_outbound_request_duration_seconds": _api_call,
    "infra_core_business_events_total": _business_event,
    "infra_core_events_published_total": _event_published,
    "infra_core_events_delivered_total": _event_published,
    "infra_core_observer_errors_total": _observer_fails,
    "infra_core_security_events_total": _security_event,
    "infra_core_db_query_duration_seconds": _query_timed,
    "infra_core_job_duration_seconds": _job_timed,
    **ROOM_DRIVERS,
}


def test_docs_name_metrics_at_all() -> None:
    # A broken scan (moved docs, changed regex) must not pass by finding nothing.
    assert {"infra_core_http_requests_total", "infra_core_errors_total"} <= set(
        documented_metrics()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("metric", documented_metrics())
def test_documented_metric_is_recorded_by_its_feature(settings: Any, metric: str) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    driver = DRIVERS.get(metric)
    assert driver is not None, (
        f"{metric} is documented but no driver in {__name__}.DRIVERS exercises the code that "
        "records it: add one, or stop documenting the metric."
    )
    before = scrape()
    driver(settings)
    after = scrape()
    assert any(name in (metric, f"{metric}_count") for name, _ in after), (
        f"{metric} is documented but not exposed on /metrics"
    )
    assert recorded(metric, before, after), f"{metric}: the driver recorded nothing"
