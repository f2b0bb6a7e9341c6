from __future__ import annotations

from typing import Any

import pytest
from django.core import checks


def _messages(id_: str) -> list[Any]:
    return [m for m in checks.run_checks(tags=["infra_core"]) if m.id == id_]


@pytest.mark.parametrize(
    ("infra", "expected", "needle"),
    [
        ({"ERRORS_FORMAT": "rfc7807"}, "infra_core.E801", "'rfc7807'"),
        ({"ERRORS_HTML_FOR_BROWSERS": "no"}, "infra_core.E802", "'no'"),
        ({"ERRORS_API_PREFIXES": "/api/"}, "infra_core.E803", "'/api/'"),
        ({"ERRORS_API_PREFIXES": ["api/"]}, "infra_core.E803", "'api/'"),
    ],
)
def test_errors_check_bad_value_reports_id_and_value(
    settings: Any, infra: dict[str, Any], expected: str, needle: str
) -> None:
    settings.INFRA_CORE = infra
    found = _messages(expected)
    assert found and needle in found[0].msg and found[0].hint


def test_errors_check_clean_configuration_reports_nothing() -> None:
    ids = [m.id for m in checks.run_checks(tags=["infra_core"])]
    assert not [i for i in ids if i and i.startswith("infra_core.") and i[12] == "8"]


def test_errors_check_middleware_not_last_warns(settings: Any) -> None:
    mw = [m for m in settings.MIDDLEWARE if "ErrorMiddleware" not in m]
    settings.MIDDLEWARE = ["infra_core.middleware.ErrorMiddleware", *mw]
    assert _messages("infra_core.W801")


def test_errors_check_middleware_last_is_silent() -> None:
    assert not _messages("infra_core.W801")


def test_errors_check_handlers_missing_warns(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.urls"
    assert _messages("infra_core.W802")


def test_errors_check_handlers_installed_is_silent() -> None:
    assert not _messages("infra_core.W802")
