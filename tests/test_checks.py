from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.test import override_settings


def _ids(**infra: Any) -> list[str]:
    with override_settings(INFRA_CORE=infra):
        return [m.id for m in checks.run_checks(tags=["infra_core"]) if m.id]


def test_checks_clean_configuration_reports_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra_core.ratelimit import decorators

    # Decorated test views (imported by other tests) use scopes this empty config lacks (E212).
    monkeypatch.setattr(decorators, "DECLARED", {})
    assert _ids() == []


def test_checks_unknown_key_warns_with_did_you_mean() -> None:
    with override_settings(INFRA_CORE={"REQUEST_ID_HEADR": "X"}):
        messages = checks.run_checks(tags=["infra_core"])
    warning = next(m for m in messages if m.id == "infra_core.W001")
    assert "REQUEST_ID_HEADR" in warning.msg
    assert "REQUEST_ID_HEADER" in (warning.hint or "")


def test_checks_settings_not_a_dict_errors() -> None:
    with override_settings(INFRA_CORE=["REQUEST_ID_HEADER"]):
        ids = [m.id for m in checks.run_checks(tags=["infra_core"])]
    assert "infra_core.E003" in ids


@pytest.mark.parametrize(
    ("infra", "expected", "needle"),
    [
        ({"TRUSTED_PROXIES": ["10.0.0.0/8", "300.1.1.1"]}, "infra_core.E001", "'300.1.1.1'"),
        ({"TRUSTED_PROXIES": "10.0.0.0/8"}, "infra_core.E001", "'10.0.0.0/8'"),
        ({"REQUEST_ID_HEADER": "X Request ID"}, "infra_core.E101", "'X Request ID'"),
        ({"REQUEST_ID_HEADER": ""}, "infra_core.E101", "''"),
        ({"REQUEST_ID_TRUST_INCOMING": "yes"}, "infra_core.E102", "'yes'"),
        ({"ACCESS_LOG_SLOW_MS": 0}, "infra_core.E103", "= 0"),
        ({"ACCESS_LOG_SLOW_MS": "1000"}, "infra_core.E103", "'1000'"),
        ({"ACCESS_LOG_SKIP_PATHS": "/health/"}, "infra_core.E104", "'/health/'"),
        ({"LOG_REDACT_KEYS": [1, 2]}, "infra_core.E104", "[1, 2]"),
    ],
)
def test_checks_bad_value_reports_id_and_offending_value(
    infra: dict[str, Any], expected: str, needle: str
) -> None:
    with override_settings(INFRA_CORE=infra):
        messages = [m for m in checks.run_checks(tags=["infra_core"]) if m.id == expected]
    assert messages, f"{expected} not raised for {infra}"
    assert needle in messages[0].msg
    assert messages[0].hint


def test_checks_request_id_middleware_not_first_warns() -> None:
    from django.conf import settings

    reordered = [m for m in settings.MIDDLEWARE if "RequestID" not in m]
    reordered.insert(2, "infra_core.middleware.RequestIDMiddleware")
    with override_settings(MIDDLEWARE=reordered):
        ids = [m.id for m in checks.run_checks(tags=["infra_core"])]
    assert "infra_core.W101" in ids


def test_checks_access_log_before_auth_warns() -> None:
    from django.conf import settings

    reordered = [m for m in settings.MIDDLEWARE if "AccessLog" not in m]
    reordered.insert(1, "infra_core.middleware.AccessLogMiddleware")
    with override_settings(MIDDLEWARE=reordered):
        ids = [m.id for m in checks.run_checks(tags=["infra_core"])]
    assert "infra_core.W102" in ids
