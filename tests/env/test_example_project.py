"""The example project declares its environment with the schema (real subprocesses)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "Zq8v-" * 12,
    "ALLOWED_HOSTS": "shop.example.com",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "METRICS_TOKEN": "m-token-" * 3,
    "HEALTH_TOKEN": "h-token-" * 3,
    "SENTRY_DSN": "http://public@127.0.0.1:9/1",
}


def _manage(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "example_project.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**env, **environ},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _infra_ids(text: str) -> set[str]:
    return set(re.findall(r"infra_core\.[EW]7\d\d", text))


@pytest.mark.integration
def test_example_project_embedded_defaults_pass_infra_env() -> None:
    result = _manage("infra_env")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.integration
def test_example_project_dev_defaults_fail_deploy_checks() -> None:
    result = _manage("check", "--deploy")
    assert result.returncode == 1
    assert {"infra_core.E710", "infra_core.E711", "infra_core.E714"} <= _infra_ids(result.stderr)


@pytest.mark.integration
def test_example_project_production_environment_passes_deploy_checks() -> None:
    result = _manage("check", "--deploy", **PRODUCTION)
    assert _infra_ids(result.stdout + result.stderr) == set(), result.stderr


@pytest.mark.integration
def test_example_project_production_without_secret_key_fails_at_startup() -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", **environ)
    assert result.returncode != 0
    assert "SECRET_KEY is not set (required when DEBUG=false)" in result.stderr
