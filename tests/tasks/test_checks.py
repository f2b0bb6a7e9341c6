"""System checks infra_core.E401-E408."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.tasks.concern import CONCERN


def _ids(settings: SettingsWrapper, **infra: Any) -> list[str]:
    settings.INFRA_CORE = infra
    return [m.id for m in CONCERN.run_checks()]


def test_check_tasks_defaults_are_clean(settings: SettingsWrapper) -> None:
    assert _ids(settings) == []


@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [
        ("TASKS_MAX_RETRIES", -1, "infra_core.E401"),
        ("TASKS_MAX_RETRIES", "3", "infra_core.E401"),
        ("TASKS_MAX_DELIVERIES", 0, "infra_core.E403"),
        ("TASKS_TRACK_RUNS", "yes", "infra_core.E404"),
        ("TASKS_STALE_AFTER", 0, "infra_core.E405"),
        ("DLQ_MAX_PAYLOAD_BYTES", 100, "infra_core.E406"),
        ("DLQ_MAX_TRACEBACK_CHARS", True, "infra_core.E407"),
        ("DLQ_DATABASE", "replica", "infra_core.E408"),
        ("TASKS_PUBLISH_RETRIES", 11, "infra_core.E411"),
    ],
)
def test_check_tasks_bad_value_is_named(
    settings: SettingsWrapper, key: str, value: object, check_id: str
) -> None:
    settings.INFRA_CORE = {key: value}
    (message,) = CONCERN.run_checks()
    assert message.id == check_id
    assert key in message.msg
    assert repr(value) in message.msg


def test_check_tasks_backoff_above_its_cap_errors_with_runtime_message(
    settings: SettingsWrapper,
) -> None:
    settings.INFRA_CORE = {"TASKS_RETRY_BACKOFF": 30.0, "TASKS_RETRY_BACKOFF_MAX": 10.0}
    (message,) = CONCERN.run_checks()
    assert message.id == "infra_core.E402"
    assert "base_delay=30.0" in message.msg


def test_check_tasks_non_number_jitter_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, TASKS_RETRY_JITTER="10%") == ["infra_core.E402"]


NOT_SQLITE = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def _postgres(settings: SettingsWrapper) -> None:
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {**settings.DATABASES["default"], "ENGINE": "django.db.backends.postgresql"},
    }


@NOT_SQLITE
def test_check_tasks_celery_closing_connections_warns(settings: SettingsWrapper) -> None:
    _postgres(settings)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    settings.CELERY_DB_REUSE_MAX = None
    (message,) = CONCERN.run_checks()
    assert message.id == "infra_core.W409"
    assert "CELERY_DB_REUSE_MAX" in str(message.hint)


@NOT_SQLITE
@pytest.mark.parametrize(
    "fix",
    [
        {"CELERY_DB_REUSE_MAX": 1000},
        {"INFRA_CORE": {"TASKS_TRACK_RUNS": False}},
        {"CELERY_BROKER_URL": None},
    ],
)
def test_check_tasks_connection_reuse_or_no_tracking_is_quiet(
    settings: SettingsWrapper, fix: dict[str, Any]
) -> None:
    _postgres(settings)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    settings.CELERY_DB_REUSE_MAX = None
    for key, value in fix.items():
        setattr(settings, key, value)
    assert CONCERN.run_checks() == []
