"""A concern that joins through the registration hook alone is checked, connected, exposed."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.test import Client, override_settings

from infra_core.concerns import registered
from infra_core.conf import DECLARED
from tests.testapp import concern as testapp

TOKEN = "t" * 32


def test_concern_registered_by_its_own_app_config() -> None:
    assert "testapp" in [c.name for c in registered()]
    assert "TESTAPP_REPEAT" in DECLARED


def test_concern_settings_are_checked_with_their_ids() -> None:
    with override_settings(INFRA_CORE={"TESTAPP_REPEAT": 0, "TESTAPP_ECHO": "no"}):
        found = {m.id: m.msg for m in checks.run_checks(tags=["infra_core"]) if m.id}
    assert "TESTAPP_REPEAT" in found["testapp.E002"]
    assert "'no'" in found["testapp.E001"]


def test_concern_unknown_key_suggests_its_setting() -> None:
    with override_settings(INFRA_CORE={"TESTAPP_REPAET": 2}):
        messages = checks.run_checks(tags=["infra_core"])
    warning = next(m for m in messages if m.id == "infra_core.W001")
    assert "TESTAPP_REPEAT" in (warning.hint or "")


def test_concern_receiver_is_connected_and_reads_settings() -> None:
    testapp.PINGS.clear()
    with override_settings(INFRA_CORE={"TESTAPP_REPEAT": 3}):
        testapp.pinged.send(sender=None)
    assert testapp.PINGS == [1, 1, 1]


def _scrape() -> str:
    with override_settings(INFRA_CORE={"METRICS_TOKEN": TOKEN}):
        response: Any = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.content.decode()


def _pings(text: str) -> float:
    line = next(line for line in text.splitlines() if line.startswith("testapp_pings_total "))
    return float(line.split()[1])


def test_concern_metric_is_exposed_on_metrics() -> None:
    before = _pings(_scrape())
    testapp.pinged.send(sender=None)
    assert _pings(_scrape()) == before + 1
