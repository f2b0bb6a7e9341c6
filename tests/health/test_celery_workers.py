from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from infra_core.health.base import Status
from infra_core.health.probes import CeleryWorkersCheck
from infra_core.health.runner import execute
from tests.health import celery_app

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.health.celery_app.app"
TOKEN = "t0ken-for-health-tests-123"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def broker(throwaway_redis) -> Iterator[str]:
    previous = celery_app.app.conf.broker_url
    celery_app.app.conf.broker_url = throwaway_redis.url
    try:
        yield throwaway_redis.url
    finally:
        celery_app.app.conf.broker_url = previous


def wait_for_worker(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if celery_app.app.control.ping(timeout=0.5):
            return True
    return False


@pytest.fixture
def worker(broker: str, tmp_path) -> Iterator[subprocess.Popen[bytes]]:
    log = (tmp_path / "worker.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            APP,
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "HEALTH_TEST_BROKER": broker},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for_worker(20), "worker did not answer pings"
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log.close()


def test_celery_workers_check_running_worker_passes(worker) -> None:
    result = execute(CeleryWorkersCheck(name="w", critical=False, timeout=1.5, app=APP))
    assert result.status is Status.OK
    assert result.message == "1 worker(s) replied"


def test_ready_view_workers_stopped_still_200_health_degraded(settings, broker) -> None:
    settings.INFRA_CORE = {
        "HEALTH_TOKEN": TOKEN,
        "HEALTH_CHECKS": [
            {"check": "infra_core.health.probes.CeleryBrokerCheck", "options": {"app": APP}},
            {"check": "infra_core.health.probes.CeleryWorkersCheck", "options": {"app": APP}},
        ],
    }
    client = Client()
    assert client.get("/ready/").status_code == 200
    start = time.monotonic()
    response = client.get("/health/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert time.monotonic() - start < 2.0 * 3
    data = json.loads(response.content)
    assert (response.status_code, data["status"]) == (200, "degraded")
    assert data["checks"]["celery-workers"]["status"] in ("fail", "timeout")
    assert data["checks"]["celery-broker"]["status"] == "ok"
