"""``measure()``: time a block or a function, sync or async, and log the duration.

``measure_query()`` and ``measure_job()`` are the same timer feeding a histogram as well.
"""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from contextlib import ContextDecorator
from types import TracebackType
from typing import Any, TypeVar, cast

from infra_core.metrics.business import name_label
from infra_core.metrics.definitions import JOB_DURATION, QUERY_DURATION
from infra_core.observe import observer_failed

_default_logger = logging.getLogger("infra_core.timing")

F = TypeVar("F", bound=Callable[..., Any])
#: Called with (seconds, failed) when a timed block ends; feeds a metric.
Observer = Callable[[float, bool], None]


class measure(ContextDecorator):
    """Time a block (``with``/``async with measure("name"):``) or a function (``@measure``).

    Works on ``def`` and ``async def`` alike (an async function is timed until it returns, not
    until its coroutine is created). Logs ``"<name> took <ms> ms"`` with ``duration_ms`` as an
    extra at ``level``; with ``slow_ms`` set, only slower runs are logged (at WARNING).
    ``elapsed_ms`` holds the result.
    """

    def __init__(
        self,
        name: str,
        *,
        logger: logging.Logger | None = None,
        level: int = logging.INFO,
        slow_ms: float | None = None,
        observe: Observer | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.logger = logger or _default_logger
        self.level = level
        self.slow_ms = slow_ms
        self.observe = observe
        self.extra = dict(extra or {})
        self.elapsed_ms: float | None = None
        self._start = 0.0

    def _recreate_cm(self) -> measure:
        # A decorated function may run in several threads or tasks at once: one timer per call.
        return type(self)(
            self.name,
            logger=self.logger,
            level=self.level,
            slow_ms=self.slow_ms,
            observe=self.observe,
            extra=self.extra,
        )

    def __call__(self, func: F) -> F:
        if not inspect.iscoroutinefunction(func):
            return super().__call__(func)

        @functools.wraps(func)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            async with self._recreate_cm():
                return await func(*args, **kwargs)

        return cast(F, timed)

    def __enter__(self) -> measure:
        self._start = time.perf_counter()
        return self

    async def __aenter__(self) -> measure:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        seconds = time.perf_counter() - self._start
        self.elapsed_ms = seconds * 1000.0
        failed = exc_type is not None
        if self.observe is not None:
            try:
                self.observe(seconds, failed)
            except Exception as error:  # observers never break the observed
                observer_failed("metrics", error)
        level = self.level
        if self.slow_ms is not None:
            if self.elapsed_ms < self.slow_ms:
                return
            level = max(level, logging.WARNING)
        self.logger.log(
            level,
            "%s took %.1f ms",
            self.name,
            self.elapsed_ms,
            extra={
                **self.extra,
                "duration_ms": round(self.elapsed_ms, 3),
                "timer": self.name,
                "failed": failed,
            },
        )


def measure_query(
    name: str,
    *,
    slow_ms: float | None = None,
    level: int = logging.DEBUG,
    logger: logging.Logger | None = None,
) -> measure:
    """Time a database query: ``measure`` plus ``infra_core_db_query_duration_seconds{query}``.

    Logged at DEBUG by default (queries are frequent); ``slow_ms`` logs only slow ones, at WARNING.
    """
    label = name_label("query", name)

    def observe(seconds: float, failed: bool) -> None:
        QUERY_DURATION.labels(query=label).observe(seconds)

    return measure(
        f"query {name}",
        logger=logger,
        level=level,
        slow_ms=slow_ms,
        observe=observe,
        extra={"query": label},
    )


def measure_job(
    name: str,
    *,
    slow_ms: float | None = None,
    level: int = logging.INFO,
    logger: logging.Logger | None = None,
) -> measure:
    """Time a job: ``measure`` plus ``infra_core_job_duration_seconds{job, outcome}``.

    ``outcome`` is ``ok``, or ``error`` when the block or function raised.
    """
    label = name_label("job", name)

    def observe(seconds: float, failed: bool) -> None:
        JOB_DURATION.labels(job=label, outcome="error" if failed else "ok").observe(seconds)

    return measure(
        f"job {name}",
        logger=logger,
        level=level,
        slow_ms=slow_ms,
        observe=observe,
        extra={"job": label},
    )
