"""``manage.py infra_env``: the table, JSON, exit codes and ``--example``."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings as SettingsWrapper

SCHEMA = "tests.env.schemas.ACCEPTANCE"
SECRET = "hunter2-" * 5
GOOD = (
    f"ACME_API_KEY={SECRET}\nACME_WEBHOOK_URL=https://hooks.example.com/\n"
    f"ACME_SIGNING_KEY={SECRET}\n"
)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("infra_env", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / "prod.env"
    path.write_text(GOOD)
    return path


def test_infra_env_valid_file_prints_table_with_secrets_masked(env_file: Path) -> None:
    out = _run("--schema", SCHEMA, "--env-file", str(env_file), "--ignore-environ")
    assert "ACME_API_KEY" in out and "<hidden>" in out and SECRET not in out
    assert "0 problem(s)" in out


def _failing(env_file: Path, *extra: str) -> StringIO:
    """Run infra_env on ``env_file`` alone (expected to fail); return what it printed."""
    out = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "infra_env", "--schema", SCHEMA, "--env-file", str(env_file), "--ignore-environ",
            *extra, stdout=out,
        )  # fmt: skip
    return out


def test_infra_env_problem_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.env"
    bad.write_text(GOOD + "ACME_WORKERS=many\n")
    with pytest.raises(CommandError) as info:
        _run("--schema", SCHEMA, "--env-file", str(bad), "--ignore-environ")
    assert info.value.returncode == 1


def test_infra_env_json_lists_problems_without_secrets(tmp_path: Path) -> None:
    bad = tmp_path / "bad.env"
    bad.write_text("ACME_SIGNING_KEY=hunter2\n")
    out = _failing(bad, "--json")
    payload = json.loads(out.getvalue())
    names = {p["name"] for p in payload["problems"]}
    assert payload["ok"] is False and {"ACME_API_KEY", "ACME_SIGNING_KEY"} <= names
    assert "hunter2" not in out.getvalue()


def test_infra_env_finds_schema_in_settings(settings: SettingsWrapper, env_file: Path) -> None:
    settings.INFRA_CORE = {"ENV_SCHEMA": SCHEMA}
    assert "ACME_WEBHOOK_URL" in _run("--env-file", str(env_file), "--ignore-environ")


def test_infra_env_without_schema_is_a_usage_error(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {}
    with pytest.raises(CommandError, match="ENV_SCHEMA") as info:
        _run()
    assert info.value.returncode == 2


def test_infra_env_example_marks_required_types_and_defaults() -> None:
    out = _run("--schema", SCHEMA, "--example")
    assert "# ACME_API_KEY (str, REQUIRED, secret)" in out
    assert "\nACME_API_KEY=\n" in out
    assert "#ACME_WORKERS=4" in out and "# Form: an integer" in out


def test_infra_env_example_output_file(tmp_path: Path) -> None:
    target = tmp_path / ".env.example"
    _run("--schema", SCHEMA, "--example", "--output", str(target))
    assert "ACME_MODE" in target.read_text()


def test_infra_env_table_names_the_source_of_a_bad_value(tmp_path: Path) -> None:
    bad = tmp_path / "bad.env"
    bad.write_text(GOOD + "ACME_WORKERS=many\n")
    out = _failing(bad)
    (row,) = [line for line in out.getvalue().splitlines() if line.startswith("ACME_WORKERS")]
    assert "env file" in row and "is not an integer" in row


def test_infra_env_table_keeps_did_you_mean(tmp_path: Path) -> None:
    bad = tmp_path / "bad.env"
    bad.write_text(GOOD + "ACME_MOD=live\n")
    out = _failing(bad)
    assert "Did you mean ACME_MODE?" in out.getvalue()
