"""bench/bench_stack.py's in-process part runs: every stack answers, the ratio line is printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("django_guid", reason="the peer stack needs requirements/bench.txt")
pytest.importorskip("django_ratelimit", reason="the peer stack needs requirements/bench.txt")


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    """Run bench/bench_stack.py with ``args`` (Django unconfigured); it must exit 0."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_stack.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


@pytest.fixture(scope="module")
def smoke_run() -> tuple[str, dict[str, Any]]:
    result = _bench("--inproc-only", "--rounds", "1", "--requests", "10")
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return result.stdout, summary


@pytest.mark.integration
def test_bench_stack_inproc_every_variant_answers_200(
    smoke_run: tuple[str, dict[str, Any]],
) -> None:
    from bench.stack_app import VARIANTS

    _, summary = smoke_run
    statuses = {v: summary["inproc"][v]["statuses"] for v in VARIANTS}
    assert statuses == {v: [200] for v in VARIANTS}


@pytest.mark.integration
def test_bench_stack_inproc_prints_ratio_line(smoke_run: tuple[str, dict[str, Any]]) -> None:
    stdout, _ = smoke_run
    assert re.search(r"^ratio infra/peer overhead \(rounds\): -?\d+\.\d+ \[", stdout, re.M), stdout


@pytest.mark.integration
def test_bench_stack_layers_only_prints_both_one_process_tables() -> None:
    result = _bench("--layers-only", "--rounds", "1", "--requests", "5")
    layers = json.loads(result.stdout.strip().splitlines()[-1])["layers"]
    # Every handler answered 200 (measure() asserts it) and each layer was timed.
    handlers = {"bare", "infra_core, leased limit", "infra_core, exact limit"}
    assert set(layers["handlers"]) >= handlers
    assert set(layers["layers"]) >= {"AccessLogMiddleware", "@rate_limit, leased"}
    assert "| @rate_limit, exact |" in result.stdout
