"""Deployment checks of the Celery configuration: infra_core.W717-W718.

They read the Django settings under the ``CELERY_`` namespace (``config_from_object(
"django.conf:settings", namespace="CELERY")``, the convention the example project follows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

# Seconds a message fetched but not acknowledged stays invisible before the broker delivers it
# again (kombu's defaults: redis.Channel.visibility_timeout, SQS default_visibility_timeout).
VISIBILITY_DEFAULTS = {"redis": 3600.0, "rediss": 3600.0, "sentinel": 3600.0, "sqs": 1800.0}


def _celery(name: str, default: Any = None) -> Any:
    return getattr(settings, f"CELERY_{name}", default)


def check_acks_late(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """task_acks_late comes with task_reject_on_worker_lost."""
    if not _celery("TASK_ACKS_LATE") or _celery("TASK_REJECT_ON_WORKER_LOST"):
        return []
    return [
        checks.Warning(
            "CELERY_TASK_ACKS_LATE = True without CELERY_TASK_REJECT_ON_WORKER_LOST: a task whose "
            "worker dies (OOM kill, SIGKILL) is acknowledged as failed instead of redelivered, "
            "which is what acks_late was set for.",
            hint="Set CELERY_TASK_REJECT_ON_WORKER_LOST = True (infra_core's InfraTask sets both; "
            "TASKS_MAX_DELIVERIES stops a task that kills every worker).",
            id="infra_core.W717",
        )
    ]


def _visibility_timeout() -> tuple[str, float] | None:
    url = str(_celery("BROKER_URL", "") or "").split(";", 1)[0]
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in VISIBILITY_DEFAULTS:
        return None
    options = _celery("BROKER_TRANSPORT_OPTIONS") or {}
    try:
        return scheme, float(options.get("visibility_timeout", VISIBILITY_DEFAULTS[scheme]))
    except (TypeError, ValueError, AttributeError):
        return scheme, VISIBILITY_DEFAULTS[scheme]


def check_time_limits(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """On a visibility-timeout broker, task time limits end below the timeout.

    Whatever CELERY_TASK_ACKS_LATE says, InfraTask and infra_core's DLQ recorder are acks_late:
    they are acknowledged only when they finish, so the check applies to every such project.
    """
    found = _visibility_timeout()
    if found is None:
        return []
    scheme, timeout = found
    limits = {
        name: _celery(name) for name in ("TASK_TIME_LIMIT", "TASK_SOFT_TIME_LIMIT") if _celery(name)
    }
    hint = (
        f"Set CELERY_TASK_TIME_LIMIT below the visibility timeout ({timeout:g} s), or raise "
        'CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] above your longest task.'
    )
    if not limits:
        problem = "sets no CELERY_TASK_TIME_LIMIT"
    else:
        over = {k: v for k, v in limits.items() if _number(v) >= timeout}
        if not over:
            return []
        problem = ", ".join(f"CELERY_{k} = {v!r}" for k, v in over.items()) + " is not below it"
    return [
        checks.Warning(
            f"The {scheme} broker redelivers an unacknowledged task after {timeout:g} s "
            "(visibility_timeout) and acks_late tasks (every InfraTask; all tasks with "
            f"CELERY_TASK_ACKS_LATE) are acknowledged when they finish, but the project {problem}:"
            " a task running longer runs twice, on two workers at once.",
            hint=hint,
            id="infra_core.W718",
        )
    ]


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")
