"""``infra_core_dlq_pending``: pending dead letters by task, read from the database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from infra_core.observe import observer_failed
from infra_core.tasks.conf import DLQ_DATABASE

#: A scrape reuses the last count for this long, so scrapers never load the database.
CACHE_SECONDS = 30.0


class PendingDeadLetters(Collector):
    """Yield one gauge sample per task name with pending dead letters (one query per 30 s)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._counts: dict[str, int] = {}

    def counts(self, *, now: float | None = None) -> dict[str, int]:
        """Return {task name: pending rows}, queried at most once per CACHE_SECONDS."""
        ts = time.monotonic() if now is None else now
        with self._lock:
            if ts - self._at >= CACHE_SECONDS:
                from infra_core.tasks.models import DeadLetter

                pending = DeadLetter.objects.using(DLQ_DATABASE.value).pending()
                self._counts = pending.count_by_task()
                self._at = ts
            return dict(self._counts)

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "infra_core_dlq_pending",
            "Pending (not replayed, discarded or resolved) dead letters by task name.",
            labels=["task"],
        )
        try:
            counts = self.counts()
        except Exception as exc:  # no table yet, database down: the scrape goes on
            observer_failed("metrics", exc)
            return
        for name, count in sorted(counts.items()):
            family.add_metric([name], count)
        yield family


PENDING = PendingDeadLetters()
