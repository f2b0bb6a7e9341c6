"""Celery tasks with a retry policy, a delivery cap and a dead-letter queue.

``InfraTask`` and ``infra_task`` need Celery (``pip install infra_core[celery]``); the models,
the admin and ``infra_dlq`` work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra_core.tasks.policy import RetryPolicy

if TYPE_CHECKING:
    from infra_core.tasks.base import InfraTask, infra_task

__all__ = ["InfraTask", "RetryPolicy", "infra_task"]

try:  # register the deferred recorder with whichever Celery app autodiscovers this package
    import celery  # noqa: F401
except ImportError:  # pragma: no cover - celery is an optional extra
    pass
else:
    # A host's plain app.autodiscover_tasks() imports infra_core.tasks; other concerns' task
    # modules are imported when they register (Concern.tasks).
    from infra_core.tasks import recorder  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in ("InfraTask", "infra_task"):
        from infra_core.tasks import base

        return getattr(base, name)
    raise AttributeError(name)
