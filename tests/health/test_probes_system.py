from __future__ import annotations

import shutil

import pytest

from infra_core.health.base import Status
from infra_core.health.probes import DiskCheck, MemoryCheck
from infra_core.health.probes.system import memory_used_percent
from infra_core.health.runner import execute


def disk_used(path: str) -> float:
    usage = shutil.disk_usage(path)
    return usage.used * 100 / usage.total


def test_disk_check_below_thresholds_passes_with_usage(tmp_path) -> None:
    used = disk_used(str(tmp_path))
    check = DiskCheck(
        name="d",
        critical=False,
        timeout=1,
        path=str(tmp_path),
        warn_percent=min(100, used + 1),
        fail_percent=100,
    )
    result = execute(check)
    assert result.status is Status.OK
    assert "% used" in result.message


def test_disk_check_above_warn_threshold_warns(tmp_path) -> None:
    used = disk_used(str(tmp_path))
    check = DiskCheck(
        name="d",
        critical=False,
        timeout=1,
        path=str(tmp_path),
        warn_percent=max(0.01, used - 1),
        fail_percent=100,
    )
    assert execute(check).status is Status.WARN


def test_disk_check_above_fail_threshold_fails(tmp_path) -> None:
    used = disk_used(str(tmp_path))
    low = max(0.01, used - 1)
    check = DiskCheck(
        name="d", critical=True, timeout=1, path=str(tmp_path), warn_percent=low, fail_percent=low
    )
    assert execute(check).status is Status.FAIL


def test_disk_check_missing_path_fails() -> None:
    check = DiskCheck(name="d", critical=True, timeout=1, path="/no/such/dir/xyz")
    assert execute(check).status is Status.FAIL


@pytest.mark.parametrize("warn,fail", [(0, 95), (96, 95), (90, 101), (True, 95)])
def test_disk_check_bad_thresholds_are_rejected(warn: float, fail: float) -> None:
    with pytest.raises(ValueError, match="percent"):
        DiskCheck(name="d", critical=False, timeout=1, warn_percent=warn, fail_percent=fail)


def test_memory_used_percent_reads_a_real_value() -> None:
    value = memory_used_percent()
    assert value is not None and 0 < value < 100


def test_memory_check_threshold_below_usage_fails() -> None:
    used = memory_used_percent()
    assert used is not None
    low = max(0.01, used - 0.5)
    check = MemoryCheck(name="m", critical=False, timeout=1, warn_percent=low, fail_percent=low)
    assert execute(check).status is Status.FAIL


def test_memory_check_default_thresholds_pass_on_test_machine() -> None:
    assert execute(MemoryCheck(name="m", critical=False, timeout=1)).status is Status.OK
