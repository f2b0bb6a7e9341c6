"""A thread-safe circuit breaker: closed -> open after N consecutive failures -> half-open trial."""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable

from infra_core.metrics.definitions import BREAKER_STATE, BREAKER_TRANSITIONS
from infra_core.observe import observer_failed

logger = logging.getLogger("infra_core.redis")


class BreakerState(enum.StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Fail fast after ``failures`` consecutive errors; let one trial through after ``cooldown``."""

    def __init__(
        self,
        name: str,
        *,
        failures: int = 3,
        cooldown: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failures = max(1, failures)
        self.cooldown = max(0.0, cooldown)
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._consecutive = 0
        self._opened_at = 0.0
        self._trial_running = False

    @property
    def state(self) -> BreakerState:
        return self._state

    def retry_after(self) -> float:
        """Return seconds until an open breaker lets a trial call through (0 when not open)."""
        if self._state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.cooldown - self._clock())

    def allow(self) -> bool:
        """Return True if a call may go to the backend now (claims the trial when half-open)."""
        if self._state is BreakerState.CLOSED:  # lock-free fast path: the common case
            return True
        with self._lock:
            if self._state is BreakerState.OPEN:
                if self._clock() - self._opened_at < self.cooldown:
                    return False
                self._transition(BreakerState.HALF_OPEN)
            if self._trial_running:
                return False
            self._trial_running = True
            return True

    def record_success(self) -> None:
        """Note a successful call; a successful trial closes the breaker."""
        if self._state is BreakerState.CLOSED and self._consecutive == 0:
            return
        with self._lock:
            self._consecutive = 0
            self._trial_running = False
            if self._state is not BreakerState.CLOSED:
                self._transition(BreakerState.CLOSED)

    def record_failure(self, exc: BaseException | None = None) -> None:
        """Note a failed call; open after too many in a row or when a trial fails."""
        with self._lock:
            self._consecutive += 1
            self._trial_running = False
            reopen = self._state is BreakerState.HALF_OPEN
            if reopen or (
                self._state is BreakerState.CLOSED and self._consecutive >= self.failures
            ):
                self._opened_at = self._clock()
                self._transition(BreakerState.OPEN, exc)

    def _transition(self, new: BreakerState, exc: BaseException | None = None) -> None:
        old, self._state = self._state, new
        if old is new:
            return
        # Logged once per transition, never per request: an outage is one line, not a flood.
        level = logging.WARNING if new is BreakerState.OPEN else logging.INFO
        logger.log(
            level,
            "circuit breaker %s: %s -> %s%s",
            self.name,
            old.value,
            new.value,
            f" ({type(exc).__name__})" if exc is not None else "",
            extra={"breaker": self.name, "breaker_state": new.value},
        )
        try:
            BREAKER_STATE.labels(name=self.name).set(1 if new is BreakerState.OPEN else 0)
            BREAKER_TRANSITIONS.labels(name=self.name, state=new.value).inc()
        except Exception as metric_exc:  # observers never break the observed
            observer_failed("metrics", metric_exc)
