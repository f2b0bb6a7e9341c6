from __future__ import annotations

from typing import Any

import pytest

METRICS_MIDDLEWARE = "infra_core.middleware.MetricsMiddleware"
TOKEN = "t" * 8 + "-metrics-token-0123"


@pytest.fixture
def metrics_mw(settings: Any) -> Any:
    """Install MetricsMiddleware right after RequestIDMiddleware."""
    mw = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [mw[0], METRICS_MIDDLEWARE, *mw[1:]]
    return settings
