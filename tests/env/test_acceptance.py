"""Issue 14 acceptance in real subprocesses: a settings module with five mistakes, a tricky secret
through the process environment, and a filled-in ``--example`` passing ``infra_env``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "tooShort-Secret-Value"
TRICKY = "$HOME+p#ss \"dq\" 'sq'  two  spaces $ end"


def _env(settings_module: str, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": settings_module,
        **extra,
    }


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


@pytest.mark.integration
def test_acceptance_five_mistakes_fail_once_naming_all_without_secret() -> None:
    env = _env(
        "tests.env.settings_acceptance",
        ACME_WEBHOOK_URL="hooks.example.com",  # bad URL (ACME_API_KEY: missing)
        ACME_WORKERS="four",
        ACME_MODE="test",
        ACME_SIGNING_KEY=SIGNING_SECRET,
    )
    result = _python("import django; django.setup()", env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert output.count("ImproperlyConfigured: infra_core.env: 5 problems") == 1
    for name in ("ACME_API_KEY", "ACME_WEBHOOK_URL", "ACME_WORKERS", "ACME_MODE"):
        assert f"  - {name}" in output
    assert "ACME_SIGNING_KEY = <hidden> is shorter than 32 characters" in output
    assert SIGNING_SECRET not in output


@pytest.mark.integration
def test_acceptance_tricky_secret_round_trips_through_the_process_environment() -> None:
    env = _env(
        "tests.env.settings_acceptance",
        ACME_API_KEY=TRICKY,
        ACME_WEBHOOK_URL="https://hooks.example.com/",
        ACME_SIGNING_KEY="s" * 40,
    )
    code = (
        "import django, sys; django.setup(); from django.conf import settings; "
        "sys.stdout.write(settings.ACME_API_KEY)"
    )
    result = _python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == TRICKY


def _manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "infra_env", *args],
        env=_env("tests.env.settings_every_type"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


FILL = {
    "SHOP_NAME": "Corner Shop",
    "SHOP_SECRET_KEY": TRICKY * 2,
    "SHOP_DATABASE_URL": "postgres://shop:p%23ss@127.0.0.1:5432/shop",
}


@pytest.mark.integration
def test_acceptance_filled_in_example_passes_infra_env(tmp_path: Path) -> None:
    example = _manage("--example")
    assert example.returncode == 0, example.stderr
    lines = [
        f"{line[:-1]}={FILL[line[:-1]]}" if line.endswith("=") and line[:-1] in FILL else line
        for line in example.stdout.splitlines()
    ]
    filled = tmp_path / ".env"
    filled.write_text("\n".join(lines) + "\n")
    result = _manage("--env-file", str(filled))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problem(s)" in result.stdout


@pytest.mark.integration
def test_acceptance_unfilled_example_fails_infra_env(tmp_path: Path) -> None:
    unfilled = tmp_path / ".env"
    unfilled.write_text(_manage("--example").stdout)
    result = _manage("--env-file", str(unfilled))
    assert result.returncode == 1
    assert "SHOP_NAME" in result.stdout and "SHOP_DATABASE_URL" in result.stdout
