"""Helpers of the retention tests: rows with an age, policies as settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.testapp.models_retention import RetentionLog

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(0))
LOG = "testapp.RetentionLog"


def logs(expired: int, fresh: int, *, now: datetime = NOW) -> None:
    """Insert ``expired`` rows 40 days old and ``fresh`` rows 1 day old, interleaved."""
    ages = [40] * expired
    step = (expired + fresh) // fresh if fresh else 0
    for j in range(fresh):  # fresh rows spread between expired ones, deterministically
        ages.insert(j * step, 1)
    RetentionLog.objects.bulk_create(
        RetentionLog(created_at=now - timedelta(days=age), kind="old" if age > 30 else "new")
        for age in ages
    )


@pytest.fixture
def policies(settings: Any) -> Callable[..., None]:
    """Set RETENTION_POLICIES (merged over the defaults) and the other INFRA_CORE keys."""

    def apply(entries: dict[str, Any], **other: Any) -> None:
        settings.INFRA_CORE = {**other, "RETENTION_POLICIES": entries}

    return apply
