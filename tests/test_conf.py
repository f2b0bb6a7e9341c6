from __future__ import annotations

import inspect

import pytest
from django.test import override_settings

import infra_core.conf as conf_module
from infra_core.conf import DEFAULTS, app_settings, suggest


def test_app_settings_default_when_unset() -> None:
    assert app_settings.request_id_header == DEFAULTS["REQUEST_ID_HEADER"]


def test_app_settings_override_settings_takes_effect_immediately() -> None:
    with override_settings(INFRA_CORE={"REQUEST_ID_HEADER": "X-Trace"}):
        assert app_settings.request_id_header == "X-Trace"
        assert app_settings.REQUEST_ID_HEADER == "X-Trace"
    assert app_settings.request_id_header == "X-Request-ID"


def test_app_settings_unknown_key_raises_keyerror_naming_it() -> None:
    with pytest.raises(KeyError, match="NOPE"):
        app_settings.get("NOPE")


def test_suggest_close_typo_returns_real_key() -> None:
    assert suggest("REQUEST_ID_HEADR") == "REQUEST_ID_HEADER"
    assert suggest("COMPLETELY_UNRELATED_THING") is None


def test_defaults_every_key_has_a_doc_line() -> None:
    from infra_core.conf import DECLARED, LEGACY

    source = inspect.getsource(conf_module).splitlines()
    for key in DEFAULTS:
        if key in DECLARED:
            assert DECLARED[key].doc.strip(), key
            continue
        assert key in LEGACY, key
        idx = next(i for i, line in enumerate(source) if line.strip().startswith(f'"{key}"'))
        above = source[idx - 1].strip()
        assert above.startswith("#") or source[idx - 2].strip().startswith("#"), key
