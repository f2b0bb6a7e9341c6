"""The retention engine on SQLite and PostgreSQL: what goes, what stays, batches, signals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_delete
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from infra_core.retention import services
from infra_core.retention.policies import Policy
from tests.retention.conftest import LOG, NOW, logs
from tests.testapp.models_retention import (
    RetentionChild,
    RetentionLog,
    RetentionNote,
    RetentionParent,
)

pytestmark = pytest.mark.django_db

LOG_POLICY = Policy(RetentionLog, "created_at", timedelta(days=30))


def sample(name: str, model: str) -> float:
    return REGISTRY.get_sample_value(name, {"model": model}) or 0.0


@pytest.fixture
def deleted_notes() -> Iterator[list[int]]:
    seen: list[int] = []

    def receiver(sender: Any, instance: RetentionNote, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_delete.connect(receiver, sender=RetentionNote, dispatch_uid="test-retention-notes")
    yield seen
    post_delete.disconnect(sender=RetentionNote, dispatch_uid="test-retention-notes")


def test_run_policy_deletes_expired_rows_and_keeps_fresh_ones() -> None:
    logs(expired=25, fresh=10)
    outcome = services.run_policy(LOG_POLICY, now=NOW, batch_size=7)
    assert outcome.status == "done" and outcome.rows == 25
    assert sorted(RetentionLog.objects.values_list("kind", flat=True)) == ["new"] * 10


def test_run_policy_counts_one_batch_per_batch_size_rows() -> None:
    logs(expired=25, fresh=0)
    outcome = services.run_policy(LOG_POLICY, now=NOW, batch_size=10)
    assert outcome.batches == 3


def test_run_policy_respects_the_filter() -> None:
    logs(expired=4, fresh=0)
    RetentionLog.objects.filter(pk__in=RetentionLog.objects.values("pk")[:1]).update(kind="keep")
    policy = Policy(RetentionLog, "created_at", timedelta(days=30), {"kind": "old"})
    assert services.run_policy(policy, now=NOW).rows == 3
    assert list(RetentionLog.objects.values_list("kind", flat=True)) == ["keep"]


def test_run_policy_dry_run_counts_what_the_real_run_then_deletes() -> None:
    logs(expired=23, fresh=5)
    dry = services.run_policy(LOG_POLICY, now=NOW, batch_size=4, dry_run=True)
    assert RetentionLog.objects.count() == 28
    real = services.run_policy(LOG_POLICY, now=NOW, batch_size=4)
    assert (dry.rows, dry.batches) == (real.rows, real.batches)
    assert real.rows == 23 and real.batches >= 6


def test_run_policy_dry_run_runs_no_delete_statement() -> None:
    logs(expired=3, fresh=0)
    with CaptureQueriesContext(connection) as queries:
        services.run_policy(LOG_POLICY, now=NOW, dry_run=True)
    assert not [q for q in queries.captured_queries if "DELETE" in q["sql"].upper()]


def test_run_policy_sends_post_delete_for_each_row_of_a_signalled_model(
    deleted_notes: list[int],
) -> None:
    old = RetentionNote.objects.bulk_create(
        RetentionNote(created_at=NOW - timedelta(days=40)) for _ in range(9)
    )
    RetentionNote.objects.create(created_at=NOW)
    policy = Policy(RetentionNote, "created_at", timedelta(days=30))
    outcome = services.run_policy(policy, now=NOW, batch_size=4)
    assert sorted(deleted_notes) == sorted(n.pk for n in old)
    assert outcome.rows == 9 and outcome.batches == 3 and RetentionNote.objects.count() == 1


def test_run_policy_deletes_cascaded_children_and_counts_them_apart() -> None:
    today = NOW.date()
    old = RetentionParent.objects.create(created_on=today - timedelta(days=40))
    new = RetentionParent.objects.create(created_on=today)
    RetentionChild.objects.bulk_create(
        [RetentionChild(parent=old), RetentionChild(parent=old), RetentionChild(parent=new)]
    )
    policy = Policy(RetentionParent, "created_on", timedelta(days=30))
    outcome = services.run_policy(policy, now=NOW)
    assert (outcome.rows, outcome.cascaded) == (1, 2)
    assert list(RetentionChild.objects.values_list("parent", flat=True)) == [new.pk]


def test_run_policy_deadline_passed_stops_before_first_batch() -> None:
    logs(expired=5, fresh=0)
    outcome = services.run_policy(LOG_POLICY, now=NOW, deadline=0.0)
    assert outcome.status == "stopped" and RetentionLog.objects.count() == 5


def test_run_policy_reports_progress_after_every_batch() -> None:
    logs(expired=9, fresh=0)
    seen: list[tuple[str, int]] = []
    services.run_policy(
        LOG_POLICY, now=NOW, batch_size=4, progress=lambda o: seen.append((o.status, o.rows))
    )
    assert seen == [("running", 4), ("running", 8), ("done", 9)]


def test_run_policy_counts_deleted_rows_in_the_metric() -> None:
    logs(expired=6, fresh=1)
    before = sample("infra_core_retention_rows_deleted_total", LOG)
    services.run_policy(LOG_POLICY, now=NOW, batch_size=4)
    assert sample("infra_core_retention_rows_deleted_total", LOG) - before == 6


def test_run_policy_done_sets_last_success_timestamp() -> None:
    policy = Policy(RetentionNote, "created_at", timedelta(days=1))
    services.run_policy(policy, now=NOW)
    stamp = sample("infra_core_retention_last_success_timestamp_seconds", "testapp.RetentionNote")
    assert stamp > NOW.timestamp()


def test_run_policy_broken_filter_fails_without_raising() -> None:
    policy = Policy(RetentionLog, "created_at", timedelta(days=1), {"colour": "red"})
    outcome = services.run_policy(policy, now=NOW)
    assert outcome.failed and "colour" in outcome.error


def test_run_failed_policy_does_not_stop_the_next_one() -> None:
    logs(expired=2, fresh=0)
    broken = Policy(RetentionNote, "created_at", timedelta(days=1), {"colour": "red"})
    outcomes = services.run([broken, LOG_POLICY], now=NOW)
    assert [o.status for o in outcomes] == ["failed", "done"] and not RetentionLog.objects.exists()


def test_run_only_selects_policies_by_label_in_any_case() -> None:
    chosen = services.select([LOG_POLICY], ["TESTAPP.retentionlog"])
    assert chosen == [LOG_POLICY]


def test_run_only_unknown_label_raises_naming_it() -> None:
    with pytest.raises(ValueError, match=r"'app\.Gone'"):
        services.select([LOG_POLICY], ["app.Gone"])


def test_run_uses_configured_policies(policies: Callable[..., None]) -> None:
    policies({LOG: {"older_than": "30d"}})
    logs(expired=3, fresh=2)
    outcomes = services.run(only=[LOG], now=NOW)
    assert [o.rows for o in outcomes] == [3] and RetentionLog.objects.count() == 2


def test_delete_expired_failed_policy_raises_retention_error() -> None:
    broken = Policy(RetentionLog, "created_at", timedelta(days=1), {"colour": "red"})
    with pytest.raises(services.RetentionError, match=r"testapp\.RetentionLog"):
        services.delete_expired(broken, now=NOW)
