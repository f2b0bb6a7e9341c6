from __future__ import annotations

import warnings
from typing import Any

import pytest
import sentry_sdk
from django.core import checks

from infra_core.sentry import init_sentry, sentry_options
from tests.sentry.conftest import DSN, MemoryTransport


def test_sentry_options_read_environment() -> None:
    env = {
        "SENTRY_DSN": DSN,
        "SENTRY_ENVIRONMENT": "staging",
        "SENTRY_RELEASE": "abc123",
        "SENTRY_SAMPLE_RATE": "0.5",
        "SENTRY_TRACES_SAMPLE_RATE": "0.1",
    }
    options = sentry_options(env)
    picked = {k: options[k] for k in ("dsn", "environment", "release", "sample_rate")}
    assert picked == {"dsn": DSN, "environment": "staging", "release": "abc123", "sample_rate": 0.5}
    assert options["traces_sample_rate"] == 0.1


def test_sentry_options_are_private_by_default() -> None:
    options = sentry_options({})
    assert options["include_local_variables"] is False
    assert "send_default_pii" not in options or options["send_default_pii"] is False
    assert options["event_scrubber"].recursive is True


@pytest.mark.parametrize("value", ["2", "-0.1", "half"])
def test_sentry_options_bad_rate_names_variable_and_value(value: str) -> None:
    with pytest.raises(ValueError, match=f"SENTRY_SAMPLE_RATE='{value}'"):
        sentry_options({"SENTRY_SAMPLE_RATE": value})


def test_init_sentry_without_dsn_does_nothing() -> None:
    assert init_sentry({}) is False
    assert not sentry_sdk.get_client().is_active()


def _ids() -> list[str | None]:
    return [m.id for m in checks.run_checks(tags=["infra_core"])]


def test_sentry_check_plain_sdk_init_warns(settings: Any) -> None:
    sentry_sdk.init(dsn=DSN, transport=MemoryTransport())
    try:
        assert "infra_core.W750" in _ids()
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)


def test_sentry_check_init_sentry_is_silent(sentry: MemoryTransport) -> None:
    assert not {"infra_core.W750", "infra_core.W751"} & set(_ids())


def test_sentry_check_default_pii_warns(settings: Any) -> None:
    with warnings.catch_warnings():  # sentry-sdk deprecates the option it still honours
        warnings.simplefilter("ignore", DeprecationWarning)
        init_sentry({"SENTRY_DSN": DSN}, transport=MemoryTransport(), send_default_pii=True)
    try:
        assert "infra_core.W751" in _ids()
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)
