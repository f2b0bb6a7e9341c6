"""Folding dead workers' multiprocess files into the archive keeps every total and bounds files."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector

from infra_core.metrics.multiprocess import compact_dead_worker

COUNTER = mmap_key("app_jobs", "app_jobs_total", ["kind"], ["a"], "Jobs.")
BUCKET = mmap_key("app_latency", "app_latency_bucket", ["le"], ["0.5"], "Latency.")
HSUM = mmap_key("app_latency", "app_latency_sum", [], [], "Latency.")


def _write(directory: Path, typ: str, pid: int, values: dict[str, float]) -> None:
    db = MmapedDict(str(directory / f"{typ}_{pid}.db"))
    try:
        for key, value in values.items():
            db.write_value(key, value, 0.0)
    finally:
        db.close()


def _totals(directory: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for metric in registry.collect()
        for s in metric.samples
    }


def _workers(directory: Path) -> None:
    for pid, n in ((101, 3.0), (102, 5.0), (103, 7.0)):
        _write(directory, "counter", pid, {COUNTER: n})
        _write(directory, "histogram", pid, {BUCKET: n, HSUM: n / 10})


def test_compact_dead_worker_keeps_every_total(tmp_path: Path) -> None:
    _workers(tmp_path)
    before = _totals(tmp_path)
    compact_dead_worker(101, str(tmp_path))
    compact_dead_worker(102, str(tmp_path))
    assert _totals(tmp_path) == before
    assert before[("app_jobs_total", (("kind", "a"),))] == 15.0


def test_compact_dead_worker_removes_its_files(tmp_path: Path) -> None:
    _workers(tmp_path)
    assert compact_dead_worker(101, str(tmp_path)) == 2
    names = sorted(p.name for p in tmp_path.glob("*.db"))
    assert names == [
        "counter_102.db",
        "counter_103.db",
        "counter_archive.db",
        "histogram_102.db",
        "histogram_103.db",
        "histogram_archive.db",
    ]


def test_compact_dead_worker_many_generations_leave_one_archive(tmp_path: Path) -> None:
    for pid in range(200, 250):
        _write(tmp_path, "counter", pid, {COUNTER: 1.0})
        compact_dead_worker(pid, str(tmp_path))
    assert [p.name for p in tmp_path.glob("*.db")] == ["counter_archive.db"]
    assert _totals(tmp_path)[("app_jobs_total", (("kind", "a"),))] == 50.0


def test_compact_dead_worker_unknown_pid_changes_nothing(tmp_path: Path) -> None:
    _workers(tmp_path)
    before = _totals(tmp_path)
    assert compact_dead_worker(999, str(tmp_path)) == 0
    assert _totals(tmp_path) == before
