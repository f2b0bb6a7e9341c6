from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery import Celery

from infra_core.health.base import Status
from infra_core.health.probes import CeleryBrokerCheck, CeleryWorkersCheck, HttpCheck
from infra_core.health.runner import execute, run_checks

_apps: dict[str, Celery] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code = int(self.path.strip("/") or "200")
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def celery_app(broker: str) -> str:
    """Register a Celery app on ``broker`` and return its dotted path for the check option."""
    app = Celery("health-test", broker=broker, set_as_current=False)
    app.conf.broker_connection_retry_on_startup = False
    _apps["app"] = app
    return "tests.health.test_probes_remote._current"


def __getattr__(name: str) -> Celery:
    if name == "_current":
        return _apps["app"]
    raise AttributeError(name)


def test_http_check_200_passes(http_server: str) -> None:
    check = HttpCheck(name="h", critical=True, timeout=1, url=f"{http_server}/200")
    result = execute(check)
    assert result.status is Status.OK and result.message == "HTTP 200"


def test_http_check_503_fails_with_status(http_server: str) -> None:
    result = execute(HttpCheck(name="h", critical=True, timeout=1, url=f"{http_server}/503"))
    assert result.status is Status.FAIL and result.message == "HTTP 503"


def test_http_check_expect_status_accepts_listed_code(http_server: str) -> None:
    check = HttpCheck(
        name="h", critical=True, timeout=1, url=f"{http_server}/404", expect_status=[404]
    )
    assert execute(check).status is Status.OK


def test_http_check_blackhole_times_out_with_safe_message(blackhole) -> None:
    start = time.monotonic()
    check = HttpCheck(
        name="h", critical=True, timeout=0.3, url=f"http://127.0.0.1:{blackhole.port}/"
    )
    report = run_checks([check], deadline=1, max_workers=2)
    assert report.results[0].status in (Status.TIMEOUT, Status.FAIL)
    assert "127.0.0.1" not in report.results[0].message
    assert time.monotonic() - start < 0.3 * 3


def test_http_check_non_http_url_is_rejected() -> None:
    with pytest.raises(ValueError, match="file:///etc/passwd"):
        HttpCheck(name="h", critical=True, timeout=1, url="file:///etc/passwd")


@pytest.mark.integration
def test_celery_broker_check_live_redis_passes(throwaway_redis) -> None:
    check = CeleryBrokerCheck(
        name="b", critical=True, timeout=1, app=celery_app(throwaway_redis.url)
    )
    assert execute(check).status is Status.OK


@pytest.mark.integration
def test_celery_broker_check_stopped_broker_fails_within_deadline(throwaway_redis) -> None:
    path = celery_app(throwaway_redis.url)
    throwaway_redis.stop()
    start = time.monotonic()
    report = run_checks(
        [CeleryBrokerCheck(name="b", critical=True, timeout=0.5, app=path)],
        deadline=1.5,
        max_workers=2,
    )
    assert report.results[0].status in (Status.FAIL, Status.TIMEOUT)
    assert time.monotonic() - start < 1.5 * 3


def test_celery_broker_check_blackhole_broker_answers_within_deadline(blackhole) -> None:
    path = celery_app(blackhole.url)
    start = time.monotonic()
    report = run_checks(
        [CeleryBrokerCheck(name="b", critical=True, timeout=0.4, app=path)],
        deadline=1,
        max_workers=2,
    )
    assert report.results[0].status in (Status.FAIL, Status.TIMEOUT)
    assert time.monotonic() - start < 1 * 3


@pytest.mark.integration
def test_celery_workers_check_no_workers_fails_noncritical(throwaway_redis) -> None:
    check = CeleryWorkersCheck(
        name="w", critical=False, timeout=0.5, app=celery_app(throwaway_redis.url)
    )
    result = execute(check)
    assert result.status is Status.FAIL
    assert result.message == "no worker replied"
    assert CeleryWorkersCheck.default_critical is False
