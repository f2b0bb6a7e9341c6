"""infra_core.W342: MetricsMiddleware must time everything after RequestIDMiddleware."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks

RID = "infra_core.middleware.RequestIDMiddleware"
METRICS = "infra_core.middleware.MetricsMiddleware"
SECURITY = "django.middleware.security.SecurityMiddleware"
SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
PROM_BEFORE = "django_prometheus.middleware.PrometheusBeforeMiddleware"


def _w342() -> list[Any]:
    return [m for m in checks.run_checks(tags=["infra_core"]) if m.id == "infra_core.W342"]


@pytest.mark.parametrize(
    "middleware",
    [
        [RID, METRICS, SECURITY, SESSIONS],
        [METRICS, SECURITY],
        [RID, PROM_BEFORE, METRICS, SECURITY],
        ["infra_core.request_id.middleware.RequestIDMiddleware", METRICS, SECURITY],
        [RID, SECURITY, SESSIONS],  # no MetricsMiddleware: nothing to check
    ],
)
def test_metrics_check_middleware_outermost_after_request_id_is_silent(
    settings: Any, middleware: list[str]
) -> None:
    settings.MIDDLEWARE = middleware
    assert _w342() == []


@pytest.mark.parametrize(
    ("middleware", "position"),
    [
        ([RID, SECURITY, METRICS, SESSIONS], 2),
        ([SECURITY, RID, "infra_core.metrics.middleware.MetricsMiddleware"], 2),
        ([RID, SECURITY, SESSIONS, METRICS], 3),
    ],
)
def test_metrics_check_middleware_after_others_warns_with_position(
    settings: Any, middleware: list[str], position: int
) -> None:
    settings.MIDDLEWARE = middleware
    [warning] = _w342()
    assert f"position {position}" in warning.msg and SECURITY in warning.msg
    assert RID not in warning.msg.split("after", 1)[1]
    assert "RequestIDMiddleware" in warning.hint
