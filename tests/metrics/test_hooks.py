"""The gunicorn hooks in infra_core.gunicorn, called as gunicorn calls them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key

from infra_core import gunicorn as hooks


def test_on_starting_removes_only_db_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_1.db").write_bytes(b"x")
    (tmp_path / "gauge_livesum_1.db").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("keep me")
    hooks.on_starting(SimpleNamespace())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_on_starting_creates_missing_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(target))
    hooks.on_starting(SimpleNamespace())
    assert target.is_dir()


def test_on_starting_without_multiproc_dir_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    hooks.on_starting(SimpleNamespace())  # must not raise or touch the filesystem


def test_child_exit_removes_live_gauges_and_folds_counters(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    key = mmap_key("jobs", "jobs_total", [], [], "Jobs.")
    for name in ("counter_4242.db", "gauge_livesum_4242.db", "gauge_livemax_4242.db"):
        db = MmapedDict(str(tmp_path / name))
        db.write_value(key, 4.0, 0.0)
        db.close()
    hooks.child_exit(SimpleNamespace(), SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["counter_archive.db"]
    values = MmapedDict.read_all_values_from_file(str(tmp_path / "counter_archive.db"))
    assert [(k, v) for k, v, _, _ in values] == [(key, 4.0)]


def test_child_exit_metrics_failure_does_not_raise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_77.db").write_bytes(b"x")  # a corrupt file
    hooks.child_exit(SimpleNamespace(), SimpleNamespace(pid=77))  # must not raise in the master
