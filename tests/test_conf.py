from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from infra_core import parsers
from infra_core.conf import DECLARED, DEFAULTS, app_settings, suggest
from infra_core.request_id.conf import REQUEST_ID_HEADER


def test_app_settings_default_when_unset() -> None:
    assert app_settings.request_id_header == DEFAULTS["REQUEST_ID_HEADER"]


def test_app_settings_override_settings_takes_effect_immediately() -> None:
    with override_settings(INFRA_CORE={"REQUEST_ID_HEADER": "X-Trace"}):
        assert app_settings.request_id_header == "X-Trace"
        assert app_settings.REQUEST_ID_HEADER == "X-Trace"
        assert REQUEST_ID_HEADER.value == "X-Trace"
    assert app_settings.request_id_header == "X-Request-ID"


def test_app_settings_unknown_key_raises_keyerror_naming_it() -> None:
    with pytest.raises(KeyError, match="NOPE"):
        app_settings.get("NOPE")


def test_suggest_close_typo_returns_real_key() -> None:
    assert suggest("REQUEST_ID_HEADR") == "REQUEST_ID_HEADER"
    assert suggest("COMPLETELY_UNRELATED_THING") is None


def test_declared_every_setting_has_a_doc_line() -> None:
    assert DECLARED
    for name, setting in DECLARED.items():
        assert setting.doc.strip(), name
        assert DEFAULTS[name] is setting.default


def test_declared_every_default_parses() -> None:
    for name, setting in DECLARED.items():
        with override_settings(INFRA_CORE={}):
            assert setting.problem() is None, name


def _bool_settings() -> list[str]:
    return sorted(name for name, s in DECLARED.items() if s.parse is parsers.boolean)


def test_declared_bool_settings_are_found() -> None:
    assert "RATELIMIT_ENABLED" in _bool_settings()
    assert len(_bool_settings()) >= 10


@pytest.mark.parametrize("name", _bool_settings())
def test_bool_setting_string_false_fails_check_with_id(name: str) -> None:
    setting = DECLARED[name]
    with override_settings(INFRA_CORE={name: "false"}):
        found = [m for m in checks.run_checks(tags=["infra_core"]) if m.id == setting.check_id]
        assert found and any(name in m.msg and "'false'" in m.msg for m in found), name
        with pytest.raises(ImproperlyConfigured, match=name):
            setting.value  # noqa: B018 - the runtime refuses what the check rejects


def test_setting_runtime_error_is_the_check_message() -> None:
    with override_settings(INFRA_CORE={"HEALTH_MAX_WORKERS": 0}):
        setting = DECLARED["HEALTH_MAX_WORKERS"]
        message = setting.problem()
        assert message is not None and "0" in message
        with pytest.raises(ImproperlyConfigured) as caught:
            setting.value  # noqa: B018
    assert str(caught.value) == message


def test_secret_setting_message_never_shows_the_value() -> None:
    with override_settings(INFRA_CORE={"METRICS_TOKEN": "short-secret"}):
        message = DECLARED["METRICS_TOKEN"].problem()
    assert message is not None and "short-secret" not in message and "12 characters" in message


@pytest.mark.parametrize(
    ("parser", "value"),
    [
        (parsers.integer(0), True),
        (parsers.integer(0), -1),
        (parsers.number(positive=True), 0),
        (parsers.strings, "abc"),
        (parsers.choice("a", "b"), "c"),
        (parsers.path_prefixes, ["api/"]),
        (parsers.token(16), "x" * 15),
    ],
)
def test_parsers_reject_with_setting_error(parser: Any, value: Any) -> None:
    with pytest.raises(parsers.SettingError):
        parser(value)
