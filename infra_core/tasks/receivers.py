"""Carry the request context across the queue: publish headers, bind in the worker, reset after."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from typing import Any

from infra_core import context
from infra_core.request_id.ids import is_valid_request_id

logger = logging.getLogger(__name__)

HEADERS = ("infra_core_request_id", "infra_core_user_id", "infra_core_plan")

# task id -> the bind() context manager entered in task_prerun, exited in task_postrun.
_bound: dict[str, contextlib.AbstractContextManager[str]] = {}


def add_context_headers(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """``before_task_publish``: copy the current context into the message headers."""
    if headers is None:
        return
    snap = context.snapshot()
    if snap.user_id is None:  # a request whose user nothing loaded yet: the publisher is known
        snap = dataclasses.replace(snap, user_id=context.resolve_user_id())
    for key, value in snap.as_headers().items():
        headers.setdefault(key, value)


def header(request: Any, name: str) -> str | None:
    """Return message header ``name`` of a task request (an attribute, or in ``headers``)."""
    value = getattr(request, name, None)
    if value is None:
        extra = getattr(request, "headers", None)
        if isinstance(extra, dict):
            value = extra.get(name)
    return str(value) if value else None


def bind_task_context(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """``task_prerun``: bind the published context (a fresh request id if none) for the run."""
    if task_id is None or task is None:
        return
    request = getattr(task, "request", None)
    published = header(request, "infra_core_request_id")
    if published is not None and not is_valid_request_id(published):
        # Any producer can write headers: the same rule as an incoming HTTP header, and the
        # hostile value never reaches a log line, the DLQ or a chained task (a fresh id instead).
        logger.warning("task %s: malformed request id header replaced", task_id)
        published = None
    manager = context.bind(
        request_id=published,
        user_id=header(request, "infra_core_user_id"),
        plan=header(request, "infra_core_plan"),
        task_id=task_id,
    )
    manager.__enter__()
    _bound[task_id] = manager


def reset_task_context(task_id: str | None = None, **kwargs: Any) -> None:
    """``task_postrun``: restore the context the worker had before the task."""
    manager = _bound.pop(task_id or "", None)
    if manager is not None:
        with contextlib.suppress(ValueError):  # a token from another context (should not happen)
            manager.__exit__(None, None, None)


def connect() -> None:
    """Connect the Celery signal receivers when Celery is installed (no-op otherwise)."""
    try:
        from celery import signals
    except ImportError:
        return
    signals.before_task_publish.connect(
        add_context_headers, weak=False, dispatch_uid="infra_core.tasks.add_context_headers"
    )
    signals.task_prerun.connect(
        bind_task_context, weak=False, dispatch_uid="infra_core.tasks.bind_task_context"
    )
    signals.task_postrun.connect(
        reset_task_context, weak=False, dispatch_uid="infra_core.tasks.reset_task_context"
    )
