"""bench/bench_async_lease.py runs on real Redis and prints both variants and the saving."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.integration
def test_bench_async_lease_runs_both_variants() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_async_lease.py"), "--rounds", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["inline", "hand-off"]
    assert lines[-1].startswith("saved by deciding on the loop: ") and "over 2 rounds" in lines[-1]
