from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.health.checks_for_tests import spec


def run(*args: str) -> str:
    out = StringIO()
    call_command("infra_health", *args, stdout=out)
    return out.getvalue()


def test_infra_health_healthy_prints_table_and_exits_zero(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [spec("CountingCheck", name="counter")]}
    output = run()
    assert "counter" in output and "overall: healthy" in output


def test_infra_health_json_prints_report(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [spec("CountingCheck", name="counter")]}
    data = json.loads(run("--json"))
    assert data["status"] == "healthy" and data["checks"]["counter"]["status"] == "ok"


def test_infra_health_unhealthy_exits_one(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [spec("FailCheck", name="dep")]}
    with pytest.raises(CommandError) as info:
        run()
    assert info.value.returncode == 1


def test_infra_health_degraded_strict_exits_two(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [spec("WarnCheck", name="w")]}
    assert "overall: degraded" in run()
    with pytest.raises(CommandError) as info:
        run("--strict")
    assert info.value.returncode == 2


def test_infra_health_ready_skips_noncritical(settings) -> None:
    settings.INFRA_CORE = {
        "HEALTH_CHECKS": [
            spec("CountingCheck", name="c"),
            spec("FailCheck", name="x", critical=False),
        ]
    }
    data = json.loads(run("--ready", "--json"))
    assert list(data["checks"]) == ["c"]


def test_infra_health_ignores_result_cache(settings) -> None:
    from tests.health.checks_for_tests import CountingCheck

    settings.INFRA_CORE = {
        "HEALTH_CHECKS": [spec("CountingCheck", name="c")],
        "HEALTH_CACHE_SECONDS": 60,
    }
    run()
    run()
    assert CountingCheck.runs == 2
