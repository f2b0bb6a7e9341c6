"""``atomic_with_retry``: run a transaction again after a transient database error.

A ``with`` block cannot run its body twice, so the context-manager form is a loop::

    for attempt in atomic_with_retry(attempts=3):
        with attempt:
            ...  # one transaction; run again (fresh transaction) after a transient error

and the decorator form is ``@atomic_with_retry`` or ``@atomic_with_retry(attempts=5)``.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, transaction
from django.db.transaction import get_connection

from infra_core.db.conf import RETRY_ATTEMPTS, RETRY_BACKOFF, RETRY_BACKOFF_MAX
from infra_core.db.errors import NestedRetryError
from infra_core.observe import observer_failed

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_SQLSTATES = {"40001": "serialization_failure", "40P01": "deadlock"}
# Server-side ends of a session: admin shutdown (pg_terminate_backend), crash, cannot connect.
_GONE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def classify(exc: BaseException) -> str | None:
    """Return why ``exc`` is worth another try (a metric reason), or None if it is not."""
    if not isinstance(exc, DatabaseError):
        return None
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in _SQLSTATES:
        return _SQLSTATES[state]
    if state in _GONE_SQLSTATES or (isinstance(state, str) and state.startswith("08")):
        return "connection_lost"
    if isinstance(exc, OperationalError | InterfaceError):
        text = str(exc).lower()
        if "database is locked" in text or "database table is locked" in text:
            return "database_locked"
        # psycopg raises a bare OperationalError/InterfaceError (no SQLSTATE) when the socket
        # is gone: "server closed the connection unexpectedly", "connection already closed".
        if state is None and type(cause).__module__.startswith(("psycopg", "psycopg2")):
            return "connection_lost"
    return None


class Attempt:
    """One try: a ``with`` block that is one ``transaction.atomic`` on a usable connection."""

    def __init__(self, run: _Run, number: int) -> None:
        self.run = run
        self.number = number
        self.reason: str | None = None
        self._atomic: Any = None

    @property
    def last(self) -> bool:
        """Return True if no try follows this one."""
        return self.number >= self.run.attempts

    def __enter__(self) -> Attempt:
        connection = get_connection(self.run.using)
        if _in_outer_atomic(connection):
            raise NestedRetryError(
                "atomic_with_retry() cannot run inside an atomic block: a transient error dooms "
                "the outer transaction, and a retry would repeat only part of it. Retry the "
                "outermost transaction instead."
            )
        self._atomic = transaction.atomic(using=self.run.using)
        self._atomic.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        try:
            self._atomic.__exit__(exc_type, exc, tb)  # commits or rolls back
        except DatabaseError as commit_error:
            # The body succeeded but COMMIT failed: a serialization failure there is a clean
            # rollback; a lost connection there leaves the outcome unknown, so never retried.
            reason = classify(commit_error)
            if reason is None or reason == "connection_lost" or self.last:
                raise
            return self._retry(reason, commit_error)
        if exc is None:
            self.run.done = True
            return False
        reason = classify(exc)
        if reason is None or self.last:
            return False
        return self._retry(reason, exc)

    def _retry(self, reason: str, exc: BaseException) -> bool:
        self.reason = reason
        if reason == "connection_lost":
            get_connection(self.run.using).close()  # the next try connects afresh
        _count(reason)
        logger.warning(
            "database transaction retried after %s (attempt %s of %s): %s",
            reason, self.number, self.run.attempts, type(exc).__name__,
            extra={"event": "db.retry", "reason": reason, "attempt": self.number},
        )  # fmt: skip
        return True


def _in_outer_atomic(connection: Any) -> bool:
    # The atomic blocks Django's TestCase wraps every test in are marked; inside only those the
    # attempt runs as a savepoint, so code using atomic_with_retry stays testable with TestCase.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _count(reason: str) -> None:
    try:
        from infra_core.db.metrics import RETRIES

        RETRIES.labels(reason=reason).inc()
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)


class _Run:
    """The state of one retried transaction (settings resolved when it starts)."""

    def __init__(self, retrying: Retrying) -> None:
        self.attempts = RETRY_ATTEMPTS.value if retrying.attempts is None else retrying.attempts
        self.backoff = RETRY_BACKOFF.value if retrying.backoff is None else retrying.backoff
        cap = retrying.max_backoff
        self.max_backoff = RETRY_BACKOFF_MAX.value if cap is None else cap
        self.using = retrying.using or DEFAULT_DB_ALIAS
        self.done = False


class Retrying:
    """A retried transaction: iterate it for attempts, or decorate a function with it."""

    def __init__(
        self,
        *,
        attempts: int | None = None,
        backoff: float | None = None,
        max_backoff: float | None = None,
        jitter: float = 0.5,
        using: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if attempts is not None and attempts < 1:
            raise ValueError(f"attempts={attempts!r} must be 1 or more")
        if backoff is not None and backoff < 0:
            raise ValueError(f"backoff={backoff!r} must be 0 or more")
        if not 0 <= jitter <= 1:
            raise ValueError(f"jitter={jitter!r} must be within [0, 1]")
        # Settings are read when a transaction starts, never at import (decorators run there).
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.jitter = jitter
        self.using = using
        self.sleep = sleep
        self.rng = rng

    def delay(self, retry: int, *, backoff: float, max_backoff: float) -> float:
        """Return the pause before retry ``retry`` (1-based): capped doubling, jittered down."""
        base = min(max_backoff, backoff * 2 ** (retry - 1))
        return float(base * (1 - self.jitter * self.rng()))

    def __iter__(self) -> Iterator[Attempt]:
        run = _Run(self)
        for number in range(1, run.attempts + 1):
            if number > 1:
                self.sleep(self.delay(number - 1, backoff=run.backoff, max_backoff=run.max_backoff))
            attempt = Attempt(run, number)
            yield attempt
            if run.done or attempt.reason is None:
                return  # committed, or the body raised (the exception is on its way up)

    def __call__(self, func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in self:
                with attempt:
                    result = func(*args, **kwargs)
                if attempt.reason is None:
                    return result
            raise AssertionError("unreachable: the last attempt returns or raises")

        return wrapper


@overload
def atomic_with_retry(func: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def atomic_with_retry(
    func: None = None,
    /,
    *,
    attempts: int | None = None,
    backoff: float | None = None,
    max_backoff: float | None = None,
    jitter: float = 0.5,
    using: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
) -> Retrying: ...
def atomic_with_retry(
    func: Callable[P, R] | None = None, /, **options: Any
) -> Callable[P, R] | Retrying:
    """Retry a transaction on serialization failures, deadlocks, lost connections, locked SQLite.

    Defaults come from ``DB_RETRY_ATTEMPTS``, ``DB_RETRY_BACKOFF`` and ``DB_RETRY_BACKOFF_MAX``
    at call time. Any other error propagates at once; the last transient one after the final try.
    """
    if func is not None:
        return Retrying()(func)
    return Retrying(**options)
