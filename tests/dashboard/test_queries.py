"""The page's query count does not grow with the rows: aggregates, not row loops."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infra_core.health.models import HealthTransition
from tests.dashboard.conftest import URL
from tests.dashboard.test_panels import dead_letters, violation

MAX_QUERIES = 7  # session, user, 2 permission queries, transitions, DLQ, rate limits


def _seed(scale: int) -> None:
    for i in range(scale):
        dead_letters(f"app.tasks.t{i}", "pending", 3)
        dead_letters(f"app.tasks.t{i}", "resolved", 2)
    now = timezone.now().replace(second=0, microsecond=0)
    for i in range(scale * 5):
        violation(f"scope{i % (scale + 1)}", i + 1, now - timedelta(minutes=i))
    HealthTransition.objects.bulk_create(
        HealthTransition(check_name=f"c{i % 3}", previous="ok", status="fail", process="h:1",
                         at=timezone.now() - timedelta(minutes=i))
        for i in range(scale * 10)
    )  # fmt: skip


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


def test_dashboard_query_count_is_bounded_whatever_the_rows(
    viewer: Client, django_assert_max_num_queries: Any
) -> None:
    _seed(2)
    small = _queries(viewer)
    _seed(30)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = viewer.get(URL)
    assert len(response.context["dlq"]["tasks"]) == 20  # MAX_TASKS of 30 tasks
    assert response.context["dlq"]["more_tasks"] == 10
    assert _queries(viewer) == small
