"""The sweep age follows the hard time limit; W410 relates them (W718 owns limit vs visibility)."""

from __future__ import annotations

from typing import Any

from infra_core.tasks.lost import check_lost_tasks, stale_after


def test_stale_after_unset_follows_hard_time_limit(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 600
    settings.INFRA_CORE = {}
    assert stale_after() == 660


def test_stale_after_no_time_limit_is_an_hour(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = None
    settings.INFRA_CORE = {}
    assert stale_after() == 3600


def test_stale_after_setting_wins(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 600
    settings.INFRA_CORE = {"TASKS_STALE_AFTER": 1200}
    assert stale_after() == 1200


def test_check_lost_tasks_sweep_age_below_time_limit_warns_w410(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 600
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/2"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 900}
    settings.INFRA_CORE = {"TASKS_STALE_AFTER": 300}
    (message,) = check_lost_tasks(None)
    assert message.id == "infra_core.W410"
    assert "TASKS_STALE_AFTER = 300 s" in message.msg
    assert "CELERY_TASK_TIME_LIMIT = 600 s" in message.msg
    assert "900 s" in message.msg  # the visibility timeout, parsed as W718 parses it


def test_check_lost_tasks_default_sweep_age_is_coherent(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 600
    settings.INFRA_CORE = {}
    assert check_lost_tasks(None) == []


def test_check_lost_tasks_without_run_tracking_is_silent(settings: Any) -> None:
    settings.CELERY_TASK_TIME_LIMIT = 600
    settings.INFRA_CORE = {"TASKS_STALE_AFTER": 300, "TASKS_TRACK_RUNS": False}
    assert check_lost_tasks(None) == []
