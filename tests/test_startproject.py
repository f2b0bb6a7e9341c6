"""A fresh ``django-admin startproject`` that only adds infra_core works, in real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_port

ADOPTION = """
INSTALLED_APPS += ["infra_core"]
MIDDLEWARE = ["infra_core.middleware.RequestIDMiddleware", *MIDDLEWARE,
              "infra_core.middleware.AccessLogMiddleware"]
from infra_core.logging import logging_config  # noqa: E402
LOGGING = logging_config(json=True, level="INFO")
ALLOWED_HOSTS = ["127.0.0.1"]
"""


@pytest.fixture(scope="module")
def fresh_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fresh")
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(root)],
        check=True,
        timeout=60,
    )
    settings = root / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + ADOPTION)
    return root


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


@pytest.mark.integration
def test_startproject_with_infra_core_passes_check(fresh_project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=fresh_project,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.integration
def test_startproject_with_infra_core_logs_json_with_request_id(fresh_project: Path) -> None:
    port = free_port()
    log_path = fresh_project / "server.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=fresh_project,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=_env(),
        )
    try:
        wait_port(port, seconds=30)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/no-such-page/", headers={"X-Request-ID": "fresh-42"}
        )
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
            assert exc.headers["X-Request-ID"] == "fresh-42"
        deadline = time.monotonic() + 10
        access: list[dict[str, object]] = []
        while time.monotonic() < deadline and not access:
            lines = [ln for ln in log_path.read_text().splitlines() if ln.startswith("{")]
            access = [
                rec for rec in map(json.loads, lines) if rec.get("logger") == "infra_core.access"
            ]
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(10)
    assert access, log_path.read_text()
    assert access[0]["request_id"] == "fresh-42"
    assert access[0]["status"] == 404
