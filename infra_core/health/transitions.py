"""Record status changes of checks (not every probe) off the request thread."""

from __future__ import annotations

import os
import socket
import threading

from infra_core.health.base import Status
from infra_core.health.runner import Report
from infra_core.observe import observer_failed

_last: dict[str, Status] = {}
_lock = threading.Lock()


def changes(report: Report) -> list[tuple[str, str, Status, str]]:
    """Return ``(check, previous, status, message)`` for results that differ from last time."""
    found: list[tuple[str, str, Status, str]] = []
    with _lock:
        for result in report.results:
            previous = _last.get(result.name)
            _last[result.name] = result.status
            # A process's first observation is only news when it is not ok.
            if previous is None and result.status is Status.OK:
                continue
            if previous is not result.status:
                prev = previous.value if previous is not None else ""
                found.append((result.name, prev, result.status, result.message[:255]))
    return found


def write(found: list[tuple[str, str, Status, str]]) -> None:
    """Insert one row per change; a database failure is counted and logged once, never raised."""
    from django.db import connections

    from infra_core.health.models import HealthTransition

    process = f"{socket.gethostname()}:{os.getpid()}"[:100]
    try:
        HealthTransition.objects.bulk_create(
            HealthTransition(check_name=c, previous=p, status=s.value, message=m, process=process)
            for c, p, s, m in found
        )
    except Exception as exc:  # the database may be the dependency that just failed
        observer_failed("health_transitions", exc)
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()


def record(report: Report, *, pool_size: int) -> None:
    """Queue the changes in ``report`` for writing on a health pool thread."""
    found = changes(report)
    if found:
        from infra_core.health.pool import get_pool

        get_pool(pool_size).submit(lambda: write(found))


def forget() -> None:
    """Forget last-known statuses (tests)."""
    with _lock:
        _last.clear()
