"""EnvSchema.load(): typed values, one error listing every problem, raw secrets, env files."""

from __future__ import annotations

import sys
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from infra_core.env import EnvSchema, EnvWarning, Var
from tests.env.schemas import ACCEPTANCE

# Every character a shell, a URL or a .env parser likes to eat.
TRICKY = "$HOME+p#ss \"dq\" 'sq'  two  spaces $ end"
GOOD = {
    "ACME_API_KEY": "k" * 20,
    "ACME_WEBHOOK_URL": "https://hooks.example.com/acme",
    "ACME_SIGNING_KEY": "s" * 40,
}
MISTAKES = {
    "ACME_WEBHOOK_URL": "not a url",
    "ACME_WORKERS": "four",
    "ACME_MODE": "test",
    "ACME_SIGNING_KEY": "tooShort-Secret-Value",
}


def _message(environ: dict[str, str], schema: EnvSchema = ACCEPTANCE) -> str:
    with pytest.raises(ImproperlyConfigured) as info:
        schema.load(environ)
    return str(info.value)


def test_schema_load_returns_typed_values_with_defaults() -> None:
    values = ACCEPTANCE.load(GOOD)
    assert (values.ACME_WORKERS, values["ACME_MODE"]) == (4, "live")


def test_schema_load_five_mistakes_fail_once_naming_all() -> None:
    message = _message(MISTAKES)
    assert message.count("problems in the environment") == 1
    for name in ("ACME_API_KEY", "ACME_WEBHOOK_URL", "ACME_WORKERS", "ACME_MODE"):
        assert name in message
    assert "ACME_SIGNING_KEY = <hidden> is shorter than 32 characters" in message


def test_schema_load_message_never_contains_the_secret() -> None:
    assert MISTAKES["ACME_SIGNING_KEY"] not in _message(MISTAKES)


def test_schema_load_error_has_no_chained_exception() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        ACCEPTANCE.load(MISTAKES)
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_schema_load_problem_names_expected_form_and_hint() -> None:
    message = _message({**GOOD, "ACME_WORKERS": "0"})
    assert "ACME_WORKERS = '0' is below the minimum 1" in message
    assert "expected: an integer, e.g. 8000 (>= 1; <= 64)" in message


def test_schema_load_secret_round_trips_exactly() -> None:
    assert ACCEPTANCE.load({**GOOD, "ACME_API_KEY": TRICKY}).ACME_API_KEY == TRICKY


def test_schema_load_dollar_value_is_not_interpolated() -> None:
    values = ACCEPTANCE.load({**GOOD, "ACME_API_KEY": "$ACME_MODE", "ACME_MODE": "sandbox"})
    assert values.ACME_API_KEY == "$ACME_MODE"


def test_schema_values_repr_hides_secrets() -> None:
    values = ACCEPTANCE.load({**GOOD, "ACME_API_KEY": TRICKY})
    assert TRICKY not in repr(values) and "<hidden>" in repr(values)


def test_schema_load_empty_value_counts_as_unset() -> None:
    assert "ACME_API_KEY is set but empty (required)" in _message({**GOOD, "ACME_API_KEY": ""})


def test_schema_load_undeclared_prefixed_variable_errors() -> None:
    message = _message({**GOOD, "ACME_WORKRES": "8"})
    assert "ACME_WORKRES carries the prefix 'ACME_' but is not declared" in message
    assert "Did you mean ACME_WORKERS?" in message


def test_schema_load_misspelling_without_prefix_errors() -> None:
    schema = EnvSchema(DATABASE_URL=Var("db_url", default="sqlite://"))
    message = _message({"DATABSE_URL": "sqlite://"}, schema)
    assert "DATABSE_URL is not declared; it looks like a misspelling of DATABASE_URL" in message


def test_schema_load_unrelated_variables_are_ignored() -> None:
    schema = EnvSchema(DATABASE_URL=Var("db_url", default="sqlite://"))
    assert schema.load({"HOME": "/root", "PATH": "/bin"}).DATABASE_URL["NAME"] == ":memory:"


def test_schema_load_unknown_warn_warns_instead() -> None:
    schema = EnvSchema(prefix="ACME_", unknown="warn", ACME_A=Var(str, default="a"))
    with pytest.warns(EnvWarning, match="ACME_B carries the prefix"):
        schema.load({"ACME_B": "b"})


def test_schema_load_allow_lists_extra_names() -> None:
    schema = EnvSchema(prefix="ACME_", allow=["ACME_B"], ACME_A=Var(str, default="a"))
    assert schema.load({"ACME_B": "b"}).ACME_A == "a"


def test_schema_required_when_applies_when_condition_holds() -> None:
    schema = EnvSchema(
        DEBUG=Var(bool, default=True),
        SECRET_KEY=Var(str, default="dev" * 20, secret=True, required_when={"DEBUG": False}),
    )
    assert "SECRET_KEY is not set (required when DEBUG=false)" in _message({"DEBUG": "no"}, schema)


def test_schema_required_when_uses_default_otherwise() -> None:
    schema = EnvSchema(
        DEBUG=Var(bool, default=True),
        SECRET_KEY=Var(str, default="dev" * 20, required_when={"DEBUG": False}),
    )
    assert schema.load({}).SECRET_KEY == "dev" * 20


def test_schema_required_when_unknown_variable_is_a_declaration_error() -> None:
    with pytest.raises(ValueError, match="required_when names 'NOPE'"):
        EnvSchema(A=Var(str, required_when={"NOPE": 1}))


def test_schema_bad_default_is_a_declaration_error() -> None:
    with pytest.raises(ValueError, match="PORT: the default is not an integer"):
        EnvSchema(PORT=Var(int, default="eighty"))


def test_schema_unknown_type_is_a_declaration_error() -> None:
    with pytest.raises(ValueError, match="unknown variable type 'decimal'"):
        Var("decimal")


def test_schema_duration_bounds_accept_timedelta() -> None:
    schema = EnvSchema(TTL=Var("duration", default="1m", max=timedelta(hours=1)))
    assert "TTL = '2h' is above the maximum 3600s" in _message({"TTL": "2h"}, schema)


def test_schema_env_file_fills_missing_variables(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"ACME_API_KEY={TRICKY}\nACME_SIGNING_KEY={'x' * 40}\n")
    environ = {"ACME_WEBHOOK_URL": GOOD["ACME_WEBHOOK_URL"]}
    assert ACCEPTANCE.load(environ, env_file=env_file).ACME_API_KEY == TRICKY


def test_schema_env_file_single_quoted_secret_round_trips(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"ACME_API_KEY='{TRICKY}'\n")
    environ = {k: v for k, v in GOOD.items() if k != "ACME_API_KEY"}
    assert ACCEPTANCE.load(environ, env_file=env_file).ACME_API_KEY == TRICKY


def test_schema_env_file_never_overrides_environment(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ACME_MODE=sandbox\n")
    assert ACCEPTANCE.load({**GOOD, "ACME_MODE": "live"}, env_file=env_file).ACME_MODE == "live"


def test_schema_env_file_overrides_when_asked(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("ACME_MODE=sandbox\n")
    values = ACCEPTANCE.load({**GOOD, "ACME_MODE": "live"}, env_file=env_file, override=True)
    assert values.ACME_MODE == "sandbox"


def test_schema_env_file_is_not_read_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("ACME_MODE=sandbox\n")
    monkeypatch.chdir(tmp_path)
    assert ACCEPTANCE.load(GOOD).ACME_MODE == "live"


def test_schema_env_file_does_not_touch_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACME_MODE", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("ACME_MODE=sandbox\n")
    ACCEPTANCE.validate(GOOD, env_file=env_file)
    import os

    assert "ACME_MODE" not in os.environ


def test_schema_env_file_bad_line_reported_by_number_not_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env_file = tmp_path / "prod.env"
    env_file.write_text("ACME_MODE=live\nACME API KEY=hunter2-secret\n")
    with pytest.raises(ImproperlyConfigured) as info:
        ACCEPTANCE.load(GOOD, env_file=env_file)
    message = str(info.value)
    assert "prod.env:2 is not a KEY=value line" in message
    assert "hunter2" not in message and "hunter2" not in caplog.text


def test_schema_missing_env_file_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        ACCEPTANCE.load(GOOD, env_file=tmp_path / "missing.env")


def test_schema_validate_never_raises_and_reports() -> None:
    report = ACCEPTANCE.validate(MISTAKES)
    assert not report.ok and len(report.problems) == 5


@pytest.mark.integration
def test_schema_import_does_not_load_django_settings() -> None:
    code = (
        "import sys; from infra_core.env import EnvSchema, Var; "
        "EnvSchema(A=Var(int, default=1)).load({}); "
        "sys.exit('django.conf' in sys.modules)"
    )
    import subprocess

    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_schema_load_warns_nothing_when_clean() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ACCEPTANCE.load(GOOD)


def test_schema_typed_default_breaking_a_constraint_is_a_declaration_error() -> None:
    with pytest.raises(ValueError, match="WORKERS: the default is below the minimum 1"):
        EnvSchema(WORKERS=Var(int, default=0, min=1))


def test_schema_values_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = ACCEPTANCE.load(GOOD).NOPE


def test_schema_typed_list_default_is_not_shared_between_loads() -> None:
    schema = EnvSchema(HOSTS=Var(list, default=["a"]))
    schema.load({}).HOSTS.append("b")
    assert schema.load({}).HOSTS == ["a"]


def test_schema_parser_bug_is_reported_without_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra_core.env import types

    def broken(raw: str) -> int:
        raise RuntimeError(f"bug while reading {raw}")

    monkeypatch.setitem(types.PARSERS, "int", broken)
    message = _message({"N": "s3cret-value"}, EnvSchema(N=Var(int, secret=True)))
    assert "N = <hidden> could not be parsed (RuntimeError)" in message
    assert "s3cret-value" not in message
