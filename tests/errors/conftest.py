from __future__ import annotations

from typing import Any

import pytest

ERROR_MIDDLEWARE = "infra_core.middleware.ErrorMiddleware"


@pytest.fixture(autouse=True)
def error_urls(settings: Any) -> Any:
    """Route to the error test views with ErrorMiddleware last and the DRF handler installed."""
    settings.ROOT_URLCONF = "tests.errors.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, ERROR_MIDDLEWARE]
    settings.REST_FRAMEWORK = {
        "EXCEPTION_HANDLER": "infra_core.errors.drf.exception_handler",
        "UNAUTHENTICATED_USER": None,
    }
    return settings
