"""The Celery task body ``infra_core.retention.cleanup`` (run in-process: it needs no worker)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra_core.retention.services import RetentionError
from infra_core.retention.tasks import TASK_NAME, cleanup
from tests.retention.conftest import LOG, logs
from tests.testapp.models_retention import RetentionLog

pytestmark = pytest.mark.django_db


def test_cleanup_task_is_registered_under_its_documented_name() -> None:
    assert cleanup.name == TASK_NAME == "infra_core.retention.cleanup"


def test_cleanup_task_returns_outcomes_as_dicts(policies: Callable[..., None]) -> None:
    policies({LOG: {"older_than": "1d"}})
    logs(expired=3, fresh=0)
    (outcome,) = cleanup.run(only=[LOG])
    assert (outcome["model"], outcome["status"], outcome["rows"]) == (LOG, "done", 3)
    assert not RetentionLog.objects.exists()


def test_cleanup_task_dry_run_deletes_nothing(policies: Callable[..., None]) -> None:
    policies({LOG: {"older_than": "1d"}})
    logs(expired=2, fresh=0)
    (outcome,) = cleanup.run(only=[LOG], dry_run=True)
    assert outcome["rows"] == 2 and RetentionLog.objects.count() == 2


def test_cleanup_task_failed_policy_raises(policies: Callable[..., None]) -> None:
    policies({"testapp.RetentionMissing": {"older_than": "1d"}})
    with pytest.raises(RetentionError, match=r"testapp\.RetentionMissing"):
        cleanup.run(only=["testapp.RetentionMissing"])
