from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from infra_core.health import start_draining
from tests.health.checks_for_tests import SECRET, CountingCheck, spec

TOKEN = "t0ken-for-health-tests-123"


def configure(settings: Any, checks: list[Any], **extra: Any) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": checks, "HEALTH_TOKEN": TOKEN, **extra}


def body(response: Any) -> dict[str, Any]:
    return json.loads(response.content)


def test_health_view_anonymous_gets_status_only(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")])
    response = client.get("/health/")
    assert response.status_code == 200
    assert body(response) == {"status": "healthy"}


def test_health_view_token_gets_per_check_latency(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")], HEALTH_VERSION="1.2.3")
    data = body(client.get("/health/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    assert data["status"] == "healthy"
    assert data["checks"]["c"]["status"] == "ok"
    assert data["checks"]["c"]["latency_ms"] >= 0
    assert data["version"] == "1.2.3"
    assert {"timestamp", "uptime_seconds"} <= set(data)


def test_health_view_wrong_token_gets_status_only(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")])
    data = body(client.get("/health/", HTTP_AUTHORIZATION="Bearer wrong-token-wrong-token"))
    assert data == {"status": "healthy"}


@pytest.mark.django_db
def test_health_view_staff_session_gets_detail(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")])
    user = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    client.force_login(user)
    assert "checks" in body(client.get("/health/"))


@pytest.mark.django_db
def test_health_view_non_staff_session_gets_status_only(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")])
    client.force_login(get_user_model().objects.create_user("joe", password="x"))
    assert body(client.get("/health/")) == {"status": "healthy"}


def test_health_view_critical_failure_is_503_envelope(settings, client: Client) -> None:
    configure(settings, [spec("FailCheck", name="dep")])
    response = client.get("/health/")
    assert response.status_code == 503
    error = body(response)["error"]
    assert error["code"] == "health_unhealthy"
    assert error["details"] == {"status": "unhealthy"}
    assert error["request_id"] == response["X-Request-ID"]


def test_health_view_exception_text_never_in_body(settings, client: Client) -> None:
    configure(settings, [spec("RaisingCheck", name="db")])
    response = client.get("/health/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 503
    assert SECRET not in response.content.decode()
    assert body(response)["error"]["details"]["checks"]["db"]["status"] == "fail"


def test_health_view_check_exception_is_logged_with_request_id(
    settings, client: Client, json_logs
) -> None:
    configure(settings, [spec("RaisingCheck", name="db")])
    response = client.get("/health/")
    [record] = json_logs.by_logger("infra_core.health")
    assert record["request_id"] == response["X-Request-ID"]
    assert SECRET not in json_logs.text


def test_health_view_503_is_not_logged_as_django_request_error(
    settings, client: Client, json_logs
) -> None:
    configure(settings, [spec("FailCheck", name="dep")])
    assert client.get("/health/").status_code == 503
    assert json_logs.by_logger("django.request") == []


def test_health_view_noncritical_failure_is_degraded_200(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c"), spec("WarnCheck", name="w")])
    response = client.get("/health/")
    assert (response.status_code, body(response)) == (200, {"status": "degraded"})


def test_health_view_status_codes_setting_maps_degraded(settings, client: Client) -> None:
    configure(settings, [spec("WarnCheck", name="w")], HEALTH_STATUS_CODES={"degraded": 503})
    assert client.get("/health/").status_code == 503


def test_health_view_hanging_check_answers_within_deadline(settings, client: Client) -> None:
    configure(
        settings,
        [spec("SleepCheck", name="hang", timeout=5, options={"seconds": 10})],
        HEALTH_TIMEOUT=0.5,
    )
    start = time.monotonic()
    response = client.get("/health/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert time.monotonic() - start < 0.5 * 3
    assert response.status_code == 503
    assert body(response)["error"]["details"]["checks"]["hang"]["status"] == "timeout"


def test_ready_view_runs_only_critical_checks(settings, client: Client) -> None:
    configure(
        settings, [spec("CountingCheck", name="c"), spec("FailCheck", name="x", critical=False)]
    )
    data = body(client.get("/ready/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    assert (data["status"], list(data["checks"])) == ("healthy", ["c"])


def test_ready_view_draining_answers_503(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")])
    start_draining("test")
    response = client.get("/ready/")
    assert response.status_code == 503
    assert body(response)["error"]["code"] == "health_draining"
    assert CountingCheck.runs == 0


def test_live_view_draining_still_answers_200(settings, client: Client) -> None:
    configure(settings, [spec("FailCheck", name="dep")])
    start_draining("test")
    assert client.get("/live/").status_code == 200


def test_live_view_runs_no_checks_and_no_queries(settings, client: Client) -> None:
    # No django_db mark: pytest-django raises on any database access from this thread.
    configure(settings, [spec("CountingCheck", name="c")])
    response = client.get("/live/")
    assert (response.status_code, CountingCheck.runs) == (200, 0)


def test_health_view_post_is_rejected(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")])
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_health_view_probe_sets_no_cookie_and_writes_no_session(
    settings, client: Client, django_assert_num_queries
) -> None:
    configure(settings, [spec("CountingCheck", name="c")])
    with django_assert_num_queries(0):
        responses = [client.get(p) for p in ("/health/", "/ready/", "/live/")]
    assert all(not r.cookies for r in responses)
    assert Session.objects.count() == 0
    assert all("no-store" in r["Cache-Control"] for r in responses)


def test_health_view_cache_reuses_round_within_ttl(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")], HEALTH_CACHE_SECONDS=60)
    for _ in range(5):
        client.get("/health/")
    assert CountingCheck.runs == 1


def test_health_view_cache_zero_runs_every_probe(settings, client: Client) -> None:
    configure(settings, [spec("CountingCheck", name="c")], HEALTH_CACHE_SECONDS=0)
    for _ in range(3):
        client.get("/health/")
    assert CountingCheck.runs == 3


def test_health_view_failure_cached_no_longer_than_ttl(settings, client: Client) -> None:
    configure(settings, [spec("FailCheck", name="dep")], HEALTH_CACHE_SECONDS=0.3)
    assert client.get("/health/").status_code == 503
    configure(settings, [spec("CountingCheck", name="dep")], HEALTH_CACHE_SECONDS=0.3)
    # Changing settings resets the built checks, not the result cache: the failure stays until TTL.
    deadline = time.monotonic() + 0.3 * 3 + 1
    while time.monotonic() < deadline and client.get("/health/").status_code != 200:
        time.sleep(0.05)
    assert client.get("/health/").status_code == 200


@pytest.mark.integration
def test_health_view_1000_concurrent_probes_cost_one_round(settings, throwaway_redis) -> None:
    import redis

    settings.CACHES = {
        **settings.CACHES,
        "probe": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": throwaway_redis.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
    }
    configure(
        settings,
        [
            spec("CountingCheck", name="c"),
            {"check": "infra_core.health.probes.CacheCheck", "options": {"alias": "probe"}},
        ],
        HEALTH_CACHE_SECONDS=60,
    )
    server = redis.Redis.from_url(throwaway_redis.url)
    before = server.dbsize()
    codes: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        local = Client()
        for _ in range(50):
            code = local.get("/ready/").status_code
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(codes) == 1000 and set(codes) == {200}
    assert CountingCheck.runs == 1
    assert server.dbsize() == before
    server.close()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("critical", "code", "status"), [(True, 503, "unhealthy"), (False, 200, "degraded")]
)
def test_health_view_redis_stopped_reports_as_configured_fast(
    settings, throwaway_redis, critical: bool, code: int, status: str
) -> None:
    configure(
        settings,
        [
            spec("CountingCheck", name="c"),
            {
                "check": "infra_core.health.probes.RedisCheck",
                "critical": critical,
                "options": {"url": throwaway_redis.url},
            },
        ],
    )
    throwaway_redis.stop()
    start = time.monotonic()
    response = Client().get("/health/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    elapsed = time.monotonic() - start
    data = body(response)
    details = data["error"]["details"] if code >= 400 else data
    assert (response.status_code, details["status"]) == (code, status)
    assert details["checks"]["redis"]["status"] == "fail"
    # Connection refused fails at once: far under the 2 s deadline.
    assert elapsed < 2.0 / 2


@pytest.mark.django_db(transaction=True)
def test_ready_view_pg_sleep_check_answers_503_within_deadline(settings) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep needs PostgreSQL")
    configure(
        settings,
        [
            {
                "check": "infra_core.health.probes.DatabaseCheck",
                "timeout": 0.5,
                "options": {"alias": "default", "query": "SELECT pg_sleep(10)"},
            }
        ],
        HEALTH_TIMEOUT=1.0,
    )
    start = time.monotonic()
    response = Client().get("/ready/")
    assert time.monotonic() - start < 1.0 * 3
    assert response.status_code == 503


def test_health_view_async_client_gets_status(settings) -> None:
    import asyncio

    from django.test import AsyncClient

    configure(settings, [spec("CountingCheck", name="c")])
    response = asyncio.run(AsyncClient().get("/health/"))
    assert (response.status_code, body(response)) == (200, {"status": "healthy"})
