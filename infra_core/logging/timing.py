"""``measure()``: time a block or a function and log the duration."""

from __future__ import annotations

import logging
import time
from contextlib import ContextDecorator
from types import TracebackType

_default_logger = logging.getLogger("infra_core.timing")


class measure(ContextDecorator):
    """Time a block (``with measure("name"):``) or a function (``@measure("name")``).

    Logs ``"<name> took <ms> ms"`` with ``duration_ms`` as an extra at ``level``; with
    ``slow_ms`` set, only slower runs are logged (at WARNING). ``elapsed_ms`` holds the result.
    """

    def __init__(
        self,
        name: str,
        *,
        logger: logging.Logger | None = None,
        level: int = logging.INFO,
        slow_ms: float | None = None,
    ) -> None:
        self.name = name
        self.logger = logger or _default_logger
        self.level = level
        self.slow_ms = slow_ms
        self.elapsed_ms: float | None = None
        self._start = 0.0

    def _recreate_cm(self) -> measure:
        # A decorated function may run in several threads at once: one timer per call.
        return type(self)(self.name, logger=self.logger, level=self.level, slow_ms=self.slow_ms)

    def __enter__(self) -> measure:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.elapsed_ms = (time.perf_counter() - self._start) * 1000.0
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
                "duration_ms": round(self.elapsed_ms, 3),
                "timer": self.name,
                "failed": exc_type is not None,
            },
        )
