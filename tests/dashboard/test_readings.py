"""Metric readings: this process's registry, or every worker's files in multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra_core.dashboard import panels, readings
from infra_core.metrics.definitions import CACHE_REQUESTS

ROOT = Path(__file__).resolve().parents[2]
# A gunicorn worker in miniature: prometheus_client in multiprocess mode (chosen at import from
# the environment), counting cache lookups of one name into its own files.
WORKER = (
    "import sys\n"
    "from infra_core.metrics.definitions import CACHE_REQUESTS\n"
    "name, hits, misses = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])\n"
    "CACHE_REQUESTS.labels(name, 'hit').inc(hits)\n"
    "CACHE_REQUESTS.labels(name, 'miss').inc(misses)\n"
)


def _worker(directory: Path, name: str, hits: int, misses: int) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", WORKER, name, str(hits), str(misses)], env=env,
                   cwd=ROOT, check=True, timeout=60)  # fmt: skip


def _local_hits() -> float:
    name = "infra_core_cache_requests_total"
    found = readings.samples({name: CACHE_REQUESTS})[name]
    return sum(v for labels, v in found if labels == {"name": "dash-local", "result": "hit"})


def test_readings_without_multiprocess_read_this_process(monkeypatch: Any) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    before = _local_hits()
    CACHE_REQUESTS.labels("dash-local", "hit").inc(2)
    assert _local_hits() == before + 2
    assert readings.source() == "this process"


@pytest.mark.integration
def test_readings_in_multiprocess_mode_merge_every_worker(monkeypatch: Any, tmp_path: Path) -> None:
    _worker(tmp_path, "dash-mp", hits=3, misses=1)
    _worker(tmp_path, "dash-mp", hits=5, misses=3)
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # two workers' files
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    rows = {r.name: r for r in panels.cache_panel()}
    assert set(rows) == {"dash-mp"}  # only the workers' values, not this process's
    assert (rows["dash-mp"].served, rows["dash-mp"].lookups) == (8, 12)
    assert rows["dash-mp"].ratio == pytest.approx(8 / 12)
    assert readings.source().startswith("all gunicorn workers")
