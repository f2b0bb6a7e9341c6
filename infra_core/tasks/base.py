"""InfraTask: a Celery base task with a retry policy, a delivery cap and a dead-letter queue."""

from __future__ import annotations

import functools
import logging
import os
import socket
from collections.abc import Callable
from typing import Any, TypeVar

from celery import Task, shared_task
from celery.exceptions import Ignore, Reject, Retry, TimeLimitExceeded

from infra_core import context
from infra_core.metrics.definitions import TASK_OUTCOMES
from infra_core.observe import inc, observer_failed
from infra_core.tasks import dlq, runs
from infra_core.tasks.conf import (
    TASKS_MAX_DELIVERIES,
    TASKS_MAX_RETRIES,
    TASKS_RETRY_BACKOFF,
    TASKS_RETRY_BACKOFF_MAX,
    TASKS_RETRY_JITTER,
    TASKS_TRACK_RUNS,
)
from infra_core.tasks.policy import RetryPolicy
from infra_core.tasks.publish import publish, publish_on_commit
from infra_core.tasks.receivers import header

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def default_policy() -> RetryPolicy:
    """Return the retry policy built from the TASKS_* settings."""
    return RetryPolicy(
        max_retries=TASKS_MAX_RETRIES.value,
        base_delay=TASKS_RETRY_BACKOFF.value,
        max_delay=TASKS_RETRY_BACKOFF_MAX.value,
        jitter=TASKS_RETRY_JITTER.value,
    )


class InfraTask(Task[Any, Any]):
    """Base class: ``@app.task(base=InfraTask, retry_policy=RetryPolicy(...))``.

    A failure that the policy retries is re-sent with backoff; a final failure becomes one
    DeadLetter row. ``acks_late`` + ``reject_on_worker_lost`` put a task whose worker died back
    on the queue, and a run delivered more than TASKS_MAX_DELIVERIES times is dead-lettered as a
    poison task instead of being run again.
    """

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    #: None: the TASKS_* settings. Set a RetryPolicy on the task to override.
    retry_policy: RetryPolicy | None = None
    #: False: final failures are not dead-lettered (they are still counted and logged).
    dead_letter: bool = True

    def apply_async(self, *args: Any, **options: Any) -> Any:
        """Publish as Celery does; an unreachable broker raises ``JobQueueError`` (503) fast."""
        return publish(super().apply_async, *args, **options)

    def delay_on_commit(self, *args: Any, **kwargs: Any) -> None:
        """Publish when the current transaction commits (Celery's Django API; never raises)."""
        publish_on_commit(self, args, kwargs, {})

    def apply_async_on_commit(
        self, args: Any = None, kwargs: Any = None, *, using: str | None = None, **options: Any
    ) -> None:
        """``apply_async`` when the transaction on ``using`` commits; nothing if it rolls back."""
        publish_on_commit(self, args, kwargs, options, using=using)

    def get_retry_policy(self) -> RetryPolicy:
        """Return this task's policy, or the one the settings describe."""
        return self.retry_policy if self.retry_policy is not None else default_policy()

    # --- the run ---------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        if request.called_directly or request.is_eager:
            return self._run_with_policy(args, kwargs)
        started = self._track_start(args, kwargs)
        if started is not None:
            request.infra_core_deliveries = started.deliveries  # type: ignore[attr-defined]
        if started is not None and started.deliveries > TASKS_MAX_DELIVERIES.value:
            self._dead_letter_poison(args, kwargs, started)
            raise Ignore()
        return self._run_with_policy(args, kwargs)

    def _run_with_policy(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except (Retry, Ignore, Reject):
            raise
        except Exception as exc:
            policy = self.get_retry_policy()
            retries = int(self.request.retries or 0)
            if self.request.called_directly or not policy.should_retry(exc, retries):
                raise
            countdown = policy.delay(retries)
            logger.warning(
                "task %s[%s] failed (%s), retry %s/%s in %.2fs",
                self.name,
                self.request.id,
                type(exc).__name__,
                retries + 1,
                policy.max_retries,
                countdown,
                extra={"event": "task.retry", "task_name": self.name},
            )
            raise self.retry(exc=exc, countdown=countdown, max_retries=policy.max_retries) from exc

    # --- Celery's outcome hooks (run in the worker after the task body) --------------------

    def on_success(self, retval: Any, task_id: str, args: Any, kwargs: Any) -> None:
        inc(TASK_OUTCOMES, task=self.name, outcome="success")
        if TASKS_TRACK_RUNS.value:
            redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
            again = redelivered or getattr(self.request, "infra_core_deliveries", 1) > 1
            self._observe("task_runs", functools.partial(runs.finish, resolve_swept=again), task_id)

    def on_retry(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        inc(TASK_OUTCOMES, task=self.name, outcome="retry")
        if TASKS_TRACK_RUNS.value:
            self._observe("task_runs", runs.waiting, task_id)

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        inc(TASK_OUTCOMES, task=self.name, outcome="failure")
        if not self.dead_letter:
            return
        if self.request.called_directly:
            if isinstance(exc, TimeLimitExceeded):
                # Celery calls this in the worker's main process when the hard time limit
                # killed the pool child: no task request here, the run's row stands in.
                self._observe("dlq", self._dead_letter_killed, exc, task_id, args, kwargs, einfo)
            return
        first_failed_at = None
        if TASKS_TRACK_RUNS.value:
            try:
                first_failed_at = runs.first_failed_at(task_id)
            except Exception as lookup_error:
                observer_failed("task_runs", lookup_error)
                dlq.reset_connection()
        self._dead_letter(
            args,
            kwargs,
            **dlq.describe(exc),
            traceback=str(getattr(einfo, "traceback", "") or ""),
            first_failed_at=first_failed_at,
        )

    # --- helpers ---------------------------------------------------------------------------

    def _queue(self) -> str:
        info = self.request.delivery_info or {}
        return str(info.get("routing_key") or info.get("queue") or "")

    @staticmethod
    def _request_id() -> str:
        # task_prerun bound the published id (infra_core.tasks.receivers): the one place to ask.
        return context.get_request_id() or ""

    def _track_start(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> runs.Started | None:
        if not TASKS_TRACK_RUNS.value:
            return None
        try:
            return runs.start(
                task_id=str(self.request.id),
                task_name=self.name,
                retries=int(self.request.retries or 0),
                args=args,
                kwargs=kwargs,
                queue=self._queue(),
                request_id=self._request_id(),
                worker=f"{self.request.hostname or socket.gethostname()}:{os.getpid()}",
            )
        except Exception as exc:
            # Tracking is an observer: the task runs anyway, only the delivery cap is off.
            observer_failed("task_runs", exc)
            dlq.reset_connection()
            return None

    def _dead_letter_poison(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], started: runs.Started
    ) -> None:
        inc(TASK_OUTCOMES, task=self.name, outcome="failure")
        deliveries = started.deliveries - 1
        logger.error(
            "task %s[%s] was delivered %s times without finishing: dead-lettered as poison",
            self.name,
            self.request.id,
            deliveries,
            extra={"event": "task.poison", "task_name": self.name},
        )
        self._dead_letter(
            args,
            kwargs,
            exception_class=runs.POISON,
            exception_message=(
                f"attempt {int(self.request.retries or 0) + 1} started {deliveries} times and "
                f"never finished (TASKS_MAX_DELIVERIES={TASKS_MAX_DELIVERIES.value}): "
                "the task keeps killing its worker"
            ),
            first_failed_at=started.first_failed_at,
        )

    def _dead_letter(self, args: Any, kwargs: Any, **failure: Any) -> None:
        """Record this run's final failure (or defer it, see dlq.record_or_defer); drop the run."""
        recorded = dlq.record_or_defer(
            dlq.Failure(
                task_name=self.name,
                task_id=str(self.request.id),
                args=args,
                kwargs=kwargs,
                attempts=int(self.request.retries or 0) + 1,
                queue=self._queue(),
                request_id=self._request_id(),
                replay_of=header(self.request, dlq.REPLAY_HEADER) or "",
                **failure,
            ),
            app=self.app,
            queue=self._queue(),
        )
        if recorded:
            inc(TASK_OUTCOMES, task=self.name, outcome="dead_lettered")
        if TASKS_TRACK_RUNS.value:
            self._observe("task_runs", runs.finish, str(self.request.id))

    def _dead_letter_killed(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        trace = str(getattr(einfo, "traceback", "") or "")
        failure = runs.killed_failure(self.name, task_id, args, kwargs, exc, trace)
        if dlq.record_or_defer(failure, app=self.app, queue=failure.queue):
            inc(TASK_OUTCOMES, task=self.name, outcome="dead_lettered")
        if TASKS_TRACK_RUNS.value:
            self._observe("task_runs", runs.finish, task_id)

    @staticmethod
    def _observe(component: str, func: Callable[..., Any], *args: Any) -> None:
        try:
            func(*args)
        except Exception as exc:
            observer_failed(component, exc)
            dlq.reset_connection()


def infra_task(*args: Any, **options: Any) -> Any:
    """Declare a shared task on InfraTask: ``@infra_task`` or ``@infra_task(retry_policy=...)``."""
    options.setdefault("base", InfraTask)
    return shared_task(*args, **options)
