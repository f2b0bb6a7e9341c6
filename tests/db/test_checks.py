"""The repository settings: parsed by the runtime and reported by manage.py check alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from infra_core.db.conf import PAGE_MAX_SIZE, RETRY_ATTEMPTS
from infra_core.db.system_checks import check_retry_backoff


def _ids() -> set[str]:
    return {m.id for m in checks.run_checks(tags=["infra_core"]) if m.id}


@pytest.mark.parametrize(
    ("key", "value", "check_id"),
    [
        ("DB_PAGE_MAX_SIZE", 0, "infra_core.E901"),
        ("DB_PAGE_MAX_SIZE", "100", "infra_core.E901"),
        ("DB_CURSOR_MAX_AGE", -5, "infra_core.E902"),
        ("DB_RETRY_ATTEMPTS", 0, "infra_core.E903"),
        ("DB_RETRY_BACKOFF", -0.1, "infra_core.E904"),
        ("DB_RETRY_BACKOFF_MAX", 0, "infra_core.E905"),
        ("DB_BULK_BATCH_SIZE", True, "infra_core.E906"),
    ],
)
def test_bad_setting_is_reported_with_its_check_id(
    settings: Any, key: str, value: object, check_id: str
) -> None:
    settings.INFRA_CORE = {key: value}
    assert check_id in _ids()


def test_default_settings_report_nothing_from_the_db_concern() -> None:
    assert not {i for i in _ids() if i.startswith("infra_core.") and i[12:13] == "9"}


def test_runtime_reads_the_same_parsed_value(settings: Any) -> None:
    settings.INFRA_CORE = {"DB_PAGE_MAX_SIZE": 250, "DB_RETRY_ATTEMPTS": 5}
    assert (PAGE_MAX_SIZE.value, RETRY_ATTEMPTS.value) == (250, 5)


def test_runtime_bad_value_raises_the_checks_message(settings: Any) -> None:
    settings.INFRA_CORE = {"DB_PAGE_MAX_SIZE": -1}
    with pytest.raises(ImproperlyConfigured, match="DB_PAGE_MAX_SIZE"):
        _ = PAGE_MAX_SIZE.value


def test_backoff_above_its_cap_warns_w901(settings: Any) -> None:
    settings.INFRA_CORE = {"DB_RETRY_BACKOFF": 5.0, "DB_RETRY_BACKOFF_MAX": 1.0}
    (warning,) = check_retry_backoff()
    assert warning.id == "infra_core.W901" and "5.0" in warning.msg


def test_backoff_check_stays_silent_when_a_value_is_itself_bad(settings: Any) -> None:
    settings.INFRA_CORE = {"DB_RETRY_BACKOFF": "slow"}
    assert check_retry_backoff() == []
