"""The wheel carries the operations kit as package data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_wheel_contains_rules_and_dashboard(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("infra_core-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    for shipped in (
        "infra_core/ops/__init__.py",
        "infra_core/ops/prometheus/infra_core.rules.yml",
        "infra_core/ops/grafana/infra_core.json",
    ):
        assert shipped in names
        assert archive.read(shipped) == (ROOT / shipped).read_bytes()
    assert not any(n.startswith("tests/ops") for n in names)
