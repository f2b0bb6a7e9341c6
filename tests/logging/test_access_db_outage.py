"""The database goes away under a server with a session cookie: probes answer, every line logged.

The server is gunicorn on the suite's settings with every infra_core middleware listed, its
database a throwaway PostgreSQL this test starts (and stops) on a free loopback port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HOST, free_port, wait_port
from tests.tasks.test_db_outage import ThrowawayPostgres, throwaway_pg  # noqa: F401

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]

SESSION = """
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
u = User.objects.create_user("ops", password="pw-ops-123", is_staff=True)
s = SessionStore()
s["_auth_user_id"] = str(u.pk)
s["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
s["_auth_user_hash"] = u.get_session_auth_hash()
s.create()
print(s.session_key)
"""


def _get(port: int, path: str, sid: str) -> tuple[int, dict[str, Any], float]:
    request = urllib.request.Request(
        f"http://{HOST}:{port}{path}", headers={"Cookie": f"sessionid={sid}"}
    )
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            code, body = int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        code, body = int(exc.code), exc.read()
    return code, json.loads(body or b"{}"), time.monotonic() - start


def _access_lines(log: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in log.read_text().splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("logger") == "infra_core.access":
            lines.append(record)
    return lines


def test_database_outage_with_session_cookie_probes_answer_and_are_logged(
    throwaway_pg: ThrowawayPostgres,  # noqa: F811 - the imported fixture, requested by name
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.logging.outage_settings",
        "INFRA_TEST_DB": "postgres",
        "INFRA_TEST_PG_PORT": str(throwaway_pg.port),
        "INFRA_TEST_PG_NAME": "postgres",
    }
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    sid = subprocess.run(
        [*django, "shell", "-c", SESSION], cwd=ROOT, env=env, check=True, timeout=60,
        capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.health.wsgi:application",
         "-b", f"{HOST}:{port}", "-w", "1", "-k", "sync", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_port(port, 20)
        code, body, _ = _get(port, "/health/", sid)
        assert (code, body["status"]) == (200, "healthy")
        assert "checks" in body  # the session is a staff one: detail shown while the DB is up
        throwaway_pg.stop()
        paths = ("/live/", "/health/", "/ready/", "/metrics")
        answers = {path: _get(port, path, sid) for path in paths}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        log.close()
        throwaway_pg.start()  # the fixture stops it again
    output = log_path.read_text()
    assert answers["/live/"][0] == 200, output[-3000:]
    for path in ("/health/", "/ready/"):
        code, body, took = answers[path]
        assert code == 503, output[-3000:]
        assert body["error"]["code"] == "health_unhealthy"
        assert took < 5
    code, body, _ = answers["/metrics"]  # staff cannot be confirmed: refused, never a 500
    assert (code, body["error"]["code"]) == (403, "permission_denied"), output[-3000:]
    assert "access log failed" not in output
    lines = [(line["route"], line["status"]) for line in _access_lines(log_path)]
    assert lines[-4:] == [
        ("infra_core:live", 200),
        ("infra_core:health", 503),
        ("infra_core:ready", 503),
        ("infra_core:metrics", 403),
    ], output[-3000:]
