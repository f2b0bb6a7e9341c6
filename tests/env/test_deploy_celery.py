"""Deployment checks of the Celery settings: infra_core.W717-W718, fire and quiet."""

from __future__ import annotations

from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.env.deploy_celery import check_acks_late, check_time_limits

REDIS = "redis://127.0.0.1:6379/2"


def test_deploy_acks_late_without_reject_fires(settings: SettingsWrapper) -> None:
    settings.CELERY_TASK_ACKS_LATE = True
    settings.CELERY_TASK_REJECT_ON_WORKER_LOST = False
    assert [m.id for m in check_acks_late()] == ["infra_core.W717"]


def test_deploy_acks_late_with_reject_is_quiet(settings: SettingsWrapper) -> None:
    settings.CELERY_TASK_ACKS_LATE = True
    settings.CELERY_TASK_REJECT_ON_WORKER_LOST = True
    assert check_acks_late() == []


def test_deploy_time_limit_above_visibility_timeout_fires(settings: SettingsWrapper) -> None:
    settings.CELERY_BROKER_URL = REDIS
    settings.CELERY_TASK_ACKS_LATE = True
    settings.CELERY_TASK_TIME_LIMIT = 7200
    (message,) = check_time_limits()
    assert message.id == "infra_core.W718" and "3600 s" in message.msg


def test_deploy_no_time_limit_on_redis_fires(settings: SettingsWrapper) -> None:
    settings.CELERY_BROKER_URL = REDIS
    settings.CELERY_TASK_ACKS_LATE = True
    settings.CELERY_TASK_TIME_LIMIT = None
    (message,) = check_time_limits()
    assert "sets no CELERY_TASK_TIME_LIMIT" in message.msg


def test_deploy_soft_limit_over_custom_visibility_fires(settings: SettingsWrapper) -> None:
    settings.CELERY_BROKER_URL = REDIS
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
    settings.CELERY_TASK_ACKS_LATE = True
    settings.CELERY_TASK_TIME_LIMIT = 30
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 90
    (message,) = check_time_limits()
    assert "CELERY_TASK_SOFT_TIME_LIMIT = 90" in message.msg


def test_deploy_time_limit_below_visibility_timeout_is_quiet(settings: SettingsWrapper) -> None:
    settings.CELERY_BROKER_URL = REDIS
    settings.CELERY_TASK_ACKS_LATE = True
    settings.CELERY_TASK_TIME_LIMIT = 600
    assert check_time_limits() == []


def test_deploy_no_time_limit_without_global_acks_late_still_fires(
    settings: SettingsWrapper,
) -> None:
    # InfraTask is acks_late whatever CELERY_TASK_ACKS_LATE says.
    settings.CELERY_BROKER_URL = REDIS
    settings.CELERY_TASK_ACKS_LATE = False
    settings.CELERY_TASK_TIME_LIMIT = None
    assert [m.id for m in check_time_limits()] == ["infra_core.W718"]


def test_deploy_time_limit_on_amqp_is_quiet(settings: SettingsWrapper) -> None:
    settings.CELERY_BROKER_URL = "amqp://guest@127.0.0.1//"
    settings.CELERY_TASK_ACKS_LATE = True
    assert check_time_limits() == []
