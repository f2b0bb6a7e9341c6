"""Read infra_core's metrics from the one registry, merged across gunicorn workers if configured.

Without ``PROMETHEUS_MULTIPROC_DIR`` the values are this process's (prometheus_client's default
registry). With it, they are read the way ``/metrics`` reads them: every worker's files merged by
``MultiProcessCollector`` (counters summed; gauges by their ``multiprocess_mode``), under the
shared lock that keeps a concurrent dead-worker compaction from being seen half done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from infra_core.metrics.multiprocess import directory_lock, multiproc_dir

Labels = dict[str, str]


def _families(collectors: Iterable[Collector]) -> Iterable[Metric]:
    directory = multiproc_dir()
    if not directory:
        # Only the metrics asked for: collecting the whole registry costs every histogram.
        return [family for collector in collectors for family in collector.collect()]
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    with directory_lock(directory, exclusive=False):
        return list(registry.collect())


def source() -> str:
    """Return where the values come from, for the page to say."""
    return "all gunicorn workers (multiprocess directory)" if multiproc_dir() else "this process"


def samples(wanted: Mapping[str, Collector]) -> dict[str, list[tuple[Labels, float]]]:
    """Return ``{sample name: [(labels, value)]}`` for ``{sample name: metric}``."""
    found: dict[str, list[tuple[Labels, float]]] = {name: [] for name in wanted}
    for family in _families(wanted.values()):
        for sample in family.samples:
            if sample.name in wanted:
                labels = {k: v for k, v in sample.labels.items() if k != "pid"}
                found[sample.name].append((labels, float(sample.value)))
    return found
