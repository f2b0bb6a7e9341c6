"""``infra_core_dlq_pending`` on /metrics: pending rows by task, one query per 30 s."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from infra_core.tasks.metrics import CACHE_SECONDS, PendingDeadLetters
from infra_core.tasks.models import DeadLetter
from tests.metrics.conftest import TOKEN

pytestmark = pytest.mark.django_db


def _row(task: str, n: int, status: str = DeadLetter.Status.PENDING) -> None:
    DeadLetter.objects.create(
        task_name=task, task_id=f"{task}-{n}-{status}", exception_class="X", status=status
    )


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch: pytest.MonkeyPatch) -> PendingDeadLetters:
    from infra_core.tasks import metrics

    collector = PendingDeadLetters()
    monkeypatch.setattr(metrics.PENDING, "_at", float("-inf"))
    return collector


def test_dlq_pending_counts_pending_rows_by_task(fresh_counts: PendingDeadLetters) -> None:
    _row("billing.charge", 1)
    _row("billing.charge", 2)
    _row("mail.send", 1)
    _row("mail.send", 2, status=DeadLetter.Status.REPLAYED)
    assert fresh_counts.counts(now=0.0) == {"billing.charge": 2, "mail.send": 1}


def test_dlq_pending_reuses_the_count_within_the_cache_window(
    fresh_counts: PendingDeadLetters, django_assert_num_queries: Any
) -> None:
    _row("a", 1)
    with django_assert_num_queries(1):
        assert fresh_counts.counts(now=100.0) == {"a": 1}
        _row_count_after = fresh_counts.counts(now=100.0 + CACHE_SECONDS - 1)
    assert _row_count_after == {"a": 1}
    _row("a", 2)
    assert fresh_counts.counts(now=100.0 + CACHE_SECONDS) == {"a": 2}


def test_dlq_pending_is_on_the_metrics_endpoint(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    _row("billing.charge", 1)
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert b'infra_core_dlq_pending{task="billing.charge"} 1.0' in response.content
