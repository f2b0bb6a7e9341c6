"""infra_core.E700 (ENV_SCHEMA), W701 (never loaded), W702 (tolerated unknown variables)."""

from __future__ import annotations

from django.core import checks
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.env import EnvSchema, Var
from infra_core.env.system_checks import check_env

NEVER_LOADED = EnvSchema(A=Var(str, default="a"))
WARNED = EnvSchema(prefix="ACME_", unknown="warn", ACME_A=Var(str, default="a"))
LOADED = EnvSchema(B=Var(str, default="b"))
NOT_A_SCHEMA = {"A": 1}


def _ids(settings: SettingsWrapper, path: object) -> list[str]:
    settings.INFRA_CORE = {"ENV_SCHEMA": path}
    return [m.id for m in checks.run_checks(tags=["infra_core"]) if m.id.startswith("infra_core.")]


def test_check_env_schema_bad_path_errors(settings: SettingsWrapper) -> None:
    assert "infra_core.E700" in _ids(settings, "tests.env.nowhere.SCHEMA")


def test_check_env_schema_not_a_schema_errors(settings: SettingsWrapper) -> None:
    assert "infra_core.E700" in _ids(settings, "tests.env.test_system_checks.NOT_A_SCHEMA")


def test_check_env_schema_never_loaded_warns(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"ENV_SCHEMA": "tests.env.test_system_checks.NEVER_LOADED"}
    assert [m.id for m in check_env()] == ["infra_core.W701"]


def test_check_env_schema_warnings_are_reported(settings: SettingsWrapper) -> None:
    WARNED.validate({"ACME_B": "1"})
    settings.INFRA_CORE = {"ENV_SCHEMA": "tests.env.test_system_checks.WARNED"}
    (message,) = check_env()
    assert message.id == "infra_core.W702" and "ACME_B" in message.msg


def test_check_env_loaded_schema_is_quiet(settings: SettingsWrapper) -> None:
    LOADED.load({})
    settings.INFRA_CORE = {"ENV_SCHEMA": "tests.env.test_system_checks.LOADED"}
    assert check_env() == []


def test_check_env_no_schema_is_quiet(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {}
    assert check_env() == []
