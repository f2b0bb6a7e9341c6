"""The retention engine: ``infra_cleanup``, its Celery task and the old purge commands call it.

Per policy: one cutoff; a per-policy PostgreSQL advisory lock (a second run skips the policy);
then primary-key batches walked upwards, each its own short transaction with ``SET LOCAL``
lock and statement timeouts, its rows taken with ``FOR UPDATE SKIP LOCKED`` and deleted by a
DELETE that repeats the age condition. A killed run loses at most one uncommitted batch.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from infra_core.observe import observer_failed
from infra_core.retention import conf
from infra_core.retention.metrics import LAST_SUCCESS, ROWS_DELETED, RUN_DURATION
from infra_core.retention.policies import Policy, resolve
from infra_core.retention.walker import Walker

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one policy run did; ``status`` is done, skipped, stopped or failed."""

    model: str
    status: str = "running"
    dry_run: bool = False
    rows: int = 0
    cascaded: int = 0
    batches: int = 0
    seconds: float = 0.0
    error: str = ""
    # Share of the table's primary-key range walked so far (None: not an integer key).
    fraction: float | None = None

    @property
    def failed(self) -> bool:
        """Return True if the policy stopped on an error."""
        return self.status == "failed"

    def as_dict(self) -> dict[str, Any]:
        """Return the outcome as a JSON-safe dict."""
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


Progress = Callable[[Outcome], None]


class RetentionError(RuntimeError):
    """A policy run failed (the message is the outcome's error)."""


def delete_expired(policy: Policy, **options: Any) -> Outcome:
    """Run one policy (``run_policy`` options); raise RetentionError if it failed."""
    outcome = run_policy(policy, **options)
    if outcome.failed:
        raise RetentionError(f"{policy.label}: {outcome.error}")
    return outcome


def configured() -> list[Policy]:
    """Return the policies of ``RETENTION_POLICIES`` merged with the defaults."""
    return resolve(conf.RETENTION_POLICIES.raw())


def select(policies: Sequence[Policy], only: Sequence[str] = ()) -> list[Policy]:
    """Return the policies named in ``only`` (model labels, any case); all when empty."""
    if not only:
        return list(policies)
    by_label = {p.label.lower(): p for p in policies}
    unknown = [name for name in only if name.lower() not in by_label]
    if unknown:
        names = ", ".join(sorted(p.label for p in policies)) or "none"
        raise ValueError(f"{', '.join(map(repr, unknown))} names no policy (configured: {names})")
    return [by_label[name.lower()] for name in dict.fromkeys(only)]


def run(
    policies: Sequence[Policy] | None = None,
    *,
    only: Sequence[str] = (),
    dry_run: bool = False,
    batch_size: int | None = None,
    sleep_ms: int | None = None,
    max_seconds: float | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Run every selected policy once, one cutoff each from one ``now``; never raise on a policy."""
    chosen = select(configured() if policies is None else policies, only)
    now = timezone.now() if now is None else now
    budget = conf.RETENTION_MAX_SECONDS.value if max_seconds is None else max_seconds
    deadline = None if budget is None else time.monotonic() + budget
    return [
        run_policy(
            policy,
            now=now,
            dry_run=dry_run,
            batch_size=batch_size,
            sleep_ms=sleep_ms,
            deadline=deadline,
            progress=progress,
        )
        for policy in chosen
    ]


def run_policy(
    policy: Policy,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    sleep_ms: int | None = None,
    deadline: float | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Delete (or count, ``dry_run``) the expired rows of ``policy`` batch by batch."""
    outcome = Outcome(policy.label, dry_run=dry_run)
    started = time.monotonic()
    using = policy.database or router.db_for_write(policy.model)
    size = batch_size or policy.batch_size or conf.RETENTION_BATCH_SIZE.value
    pause = (conf.RETENTION_SLEEP_MS.value if sleep_ms is None else sleep_ms) / 1000
    walker = Walker(policy, policy.cutoff(timezone.now() if now is None else now), using, dry_run)
    try:
        with policy_lock(policy.label, using, enabled=not dry_run) as held:
            if held:
                walker.start()
                _walk(walker, outcome, size=size, pause=pause, deadline=deadline,
                      progress=progress, started=started)  # fmt: skip
            else:
                outcome.status, outcome.error = "skipped", "another run holds this policy's lock"
    except Exception as exc:  # one broken policy must not stop the others
        logger.exception("retention policy %s failed", policy.label)
        outcome.status, outcome.error = "failed", f"{type(exc).__name__}: {exc}".strip()
    outcome.seconds = time.monotonic() - started
    _finish(outcome)
    return outcome


def _walk(
    walker: Walker,
    outcome: Outcome,
    *,
    size: int,
    pause: float,
    deadline: float | None,
    progress: Progress | None,
    started: float,
) -> None:
    while outcome.status == "running":
        if deadline is not None and time.monotonic() >= deadline:
            outcome.status = "stopped"
            return
        rows, cascaded, more = walker.batch(size)
        outcome.rows += rows
        outcome.cascaded += cascaded
        outcome.batches += 1 if rows or cascaded else 0
        outcome.fraction = walker.fraction(done=not more)
        outcome.seconds = time.monotonic() - started
        if rows and not outcome.dry_run:
            _count(outcome.model, rows)
        if not more:
            outcome.status = "done"
        if progress is not None:
            progress(outcome)
        if more and pause:
            time.sleep(pause)


def _finish(outcome: Outcome) -> None:
    logger.info(
        "retention %s %s: %d rows (%d cascaded) in %d batches, %.2fs%s",
        outcome.model,
        outcome.status,
        outcome.rows,
        outcome.cascaded,
        outcome.batches,
        outcome.seconds,
        " (dry run)" if outcome.dry_run else "",
    )
    if outcome.dry_run or outcome.status == "skipped":
        return
    _observe(lambda: RUN_DURATION.labels(model=outcome.model).observe(outcome.seconds))
    if outcome.status == "done":
        _observe(lambda: LAST_SUCCESS.labels(model=outcome.model).set(time.time()))


def _count(label: str, rows: int) -> None:
    _observe(lambda: ROWS_DELETED.labels(model=label).inc(rows))


def _observe(update: Callable[[], None]) -> None:
    try:
        update()
    except Exception as exc:  # observers never break the observed
        observer_failed("metrics", exc)


def lock_key(label: str) -> int:
    """Return the signed 64-bit advisory lock key of one policy."""
    digest = hashlib.blake2b(f"infra_core.retention:{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def policy_lock(label: str, using: str, *, enabled: bool = True) -> Iterator[bool]:
    """Hold the policy's session advisory lock (PostgreSQL); yield False if another run has it."""
    connection = connections[using]
    if not enabled or connection.vendor != "postgresql":
        yield True
        return
    key = lock_key(label)
    # Session locks outlive the per-batch transactions; the savepoints keep a failure here
    # from breaking a transaction the caller holds open.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            try:
                with transaction.atomic(using=using), connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:  # a broken session: closing it frees the lock
                logger.warning("retention lock of %s not released; closing the session", label)
                connection.close()
