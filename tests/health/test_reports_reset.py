"""A cached health report belongs to the settings it was computed under."""

from __future__ import annotations

from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

TOKEN = "reports-reset-token"


def test_changed_settings_are_not_answered_from_a_report_cached_under_the_old_ones(
    settings: SettingsWrapper,
) -> None:
    # A failing check, cached for a minute: then the checks change and /health/ must follow.
    # (tests/health/conftest.py empties the report cache before and after each test.)
    settings.INFRA_CORE = {
        "HEALTH_TOKEN": TOKEN,
        "HEALTH_CACHE_SECONDS": 60,
        "HEALTH_CHECKS": ["tests.health.checks_for_tests.FailCheck"],
    }
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert Client().get("/health/", headers=auth).status_code == 503
    settings.INFRA_CORE = {"HEALTH_TOKEN": TOKEN, "HEALTH_CACHE_SECONDS": 60, "HEALTH_CHECKS": []}
    response = Client().get("/health/", headers=auth)
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {}
