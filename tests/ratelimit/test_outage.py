"""Outage policy against a Redis the test owns: stopped, paused, black hole.

Pauses use ``CLIENT PAUSE ... WRITE``: it blocks EVALSHA like a hung server, while ``ALL`` would
also block the test's own ``CLIENT UNPAUSE``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit import decision as limiter
from infra_core.ratelimit.rates import Rate
from infra_core.redis import BreakerState, guarded
from tests.conftest import BlackHole, ThrowawayRedis
from tests.ratelimit.conftest import redis_cache

pytestmark = [pytest.mark.urls("tests.ratelimit.urls"), pytest.mark.integration]
ALIAS = "rl_outage"
# The outage policy sits above the algorithm: the same promises hold for both.
ALGORITHMS = pytest.mark.parametrize("algorithm", ["log", "counter"])


def _use(settings: SettingsWrapper, url: str, rate: str = "100/m", **infra: Any) -> None:
    settings.CACHES = {**settings.CACHES, ALIAS: redis_cache(url)}
    settings.INFRA_CORE = {
        "RATELIMIT_CACHE": ALIAS,
        "RATELIMIT_RATES": {"outage": rate},
        "REDIS_SOCKET_TIMEOUT": 0.2,
        "REDIS_BREAKER_COOLDOWN": 0.5,
        **infra,
    }


def _open_breaker(client: Client, client_id: str) -> None:
    for _ in range(3):  # REDIS_BREAKER_FAILURES failing calls, each bounded by the socket timeout
        client.get("/outage/", HTTP_X_CLIENT=client_id)
    assert guarded(ALIAS).breaker.state is BreakerState.OPEN


def _p99_decision_ms(n: int = 300) -> float:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        limiter.hit("outage", f"p99-{i % 10}", Rate(1000, 60))
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)[int(n * 0.99) - 1]


@ALGORITHMS
def test_outage_stopped_fail_open_requests_pass(
    settings: SettingsWrapper,
    throwaway_redis: ThrowawayRedis,
    client: Client,
    client_id: str,
    algorithm: str,
) -> None:
    _use(settings, throwaway_redis.url, RATELIMIT_ALGORITHM=algorithm)
    throwaway_redis.stop()
    statuses = {client.get("/outage/", HTTP_X_CLIENT=client_id).status_code for _ in range(20)}
    assert statuses == {200}


def test_outage_stopped_fail_open_still_slows_one_client(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis, client: Client, client_id: str
) -> None:
    _use(settings, throwaway_redis.url, rate="5/m")
    throwaway_redis.stop()
    statuses = [client.get("/outage/", HTTP_X_CLIENT=client_id).status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3


@ALGORITHMS
def test_outage_stopped_fail_closed_answers_429_with_retry_after(
    settings: SettingsWrapper,
    throwaway_redis: ThrowawayRedis,
    client: Client,
    client_id: str,
    algorithm: str,
) -> None:
    _use(
        settings,
        throwaway_redis.url,
        RATELIMIT_SCOPE_FAIL_OPEN={"outage": False},
        RATELIMIT_ALGORITHM=algorithm,
    )
    throwaway_redis.stop()
    responses = [client.get("/outage/", HTTP_X_CLIENT=client_id) for _ in range(5)]
    assert {r.status_code for r in responses} == {429}
    assert all(int(r["Retry-After"]) >= 1 for r in responses)
    assert responses[-1].json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("fail_open", [True, False])
def test_outage_redis_dies_under_traffic_policy_holds_and_breaker_counts_each_decision_once(
    settings: SettingsWrapper,
    throwaway_redis: ThrowawayRedis,
    client: Client,
    client_id: str,
    fail_open: bool,
) -> None:
    # Idle hot connections exist when Redis goes away: each failing decision retries its dead
    # socket once on a fresh one (refused), which must still be one failure for the breaker.
    _use(settings, throwaway_redis.url, RATELIMIT_FAIL_OPEN=fail_open, REDIS_BREAKER_COOLDOWN=60.0)
    warm = [client.get("/outage/", HTTP_X_CLIENT=client_id).status_code for _ in range(3)]
    assert warm == [200] * 3
    hot = guarded(ALIAS).hot
    assert hot is not None and hot.idle == 1
    throwaway_redis.stop()
    breaker = guarded(ALIAS).breaker
    states = []
    responses = []
    for _ in range(6):
        responses.append(client.get("/outage/", HTTP_X_CLIENT=client_id))
        states.append(breaker.state)
    assert states == [BreakerState.CLOSED] * 2 + [BreakerState.OPEN] * 4  # 3 failures open it
    if fail_open:
        assert [r.status_code for r in responses] == [200] * 6
    else:
        assert [r.status_code for r in responses] == [429] * 6
        assert all(int(r["Retry-After"]) >= 1 for r in responses)
        assert {r.json()["error"]["code"] for r in responses} == {"rate_limited"}
    assert hot.open == 0  # no socket kept to a dead server


def test_outage_paused_fail_open_decision_is_fast_once_breaker_open(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis, client: Client, client_id: str
) -> None:
    _use(settings, throwaway_redis.url, REDIS_BREAKER_COOLDOWN=60.0)
    admin = redis.Redis.from_url(throwaway_redis.url)
    admin.execute_command("CLIENT", "PAUSE", 30000, "WRITE")
    try:
        _open_breaker(client, client_id)
        # Bound with wide headroom: an open breaker costs microseconds, a timeout 200 ms.
        assert _p99_decision_ms() < 5.0
    finally:
        admin.execute_command("CLIENT", "UNPAUSE")


def test_outage_paused_fail_closed_answers_429_not_500(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis, client: Client, client_id: str
) -> None:
    _use(settings, throwaway_redis.url, RATELIMIT_FAIL_OPEN=False)
    admin = redis.Redis.from_url(throwaway_redis.url)
    admin.execute_command("CLIENT", "PAUSE", 30000, "WRITE")
    try:
        statuses = {client.get("/outage/", HTTP_X_CLIENT=client_id).status_code for _ in range(6)}
    finally:
        admin.execute_command("CLIENT", "UNPAUSE")
    assert statuses == {429}


def test_outage_blackhole_fail_open_decision_is_fast_once_breaker_open(
    settings: SettingsWrapper, blackhole: BlackHole, client: Client, client_id: str
) -> None:
    _use(settings, blackhole.url, REDIS_BREAKER_COOLDOWN=60.0)
    _open_breaker(client, client_id)
    assert client.get("/outage/", HTTP_X_CLIENT=client_id).status_code == 200
    assert _p99_decision_ms() < 5.0


def test_outage_blackhole_request_before_breaker_opens_is_bounded_by_timeout(
    settings: SettingsWrapper, blackhole: BlackHole, client: Client, client_id: str
) -> None:
    _use(settings, blackhole.url)
    start = time.perf_counter()
    response = client.get("/outage/", HTTP_X_CLIENT=client_id)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    assert elapsed < 3 * 0.2 * 2 + 0.5  # connect + read timeouts, 3x headroom


@ALGORITHMS
def test_outage_stopped_then_restarted_recovers_without_restart(
    settings: SettingsWrapper,
    throwaway_redis: ThrowawayRedis,
    client: Client,
    client_id: str,
    algorithm: str,
) -> None:
    _use(settings, throwaway_redis.url, RATELIMIT_ALGORITHM=algorithm)
    throwaway_redis.stop()
    _open_breaker(client, client_id)
    throwaway_redis.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and guarded(ALIAS).breaker.state is not BreakerState.CLOSED:
        client.get("/outage/", HTTP_X_CLIENT=client_id)
        time.sleep(0.1)
    assert guarded(ALIAS).breaker.state is BreakerState.CLOSED
    decision = limiter.hit("outage", client_id, Rate(100, 60))
    assert decision.outcome == "allowed"
    assert redis.Redis.from_url(throwaway_redis.url).dbsize() >= 1  # counted in Redis again


def test_outage_pause_lifted_recovers_without_restart(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis, client: Client, client_id: str
) -> None:
    _use(settings, throwaway_redis.url)
    admin = redis.Redis.from_url(throwaway_redis.url)
    admin.execute_command("CLIENT", "PAUSE", 30000, "WRITE")
    _open_breaker(client, client_id)
    admin.execute_command("CLIENT", "UNPAUSE")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and guarded(ALIAS).breaker.state is not BreakerState.CLOSED:
        client.get("/outage/", HTTP_X_CLIENT=client_id)
        time.sleep(0.1)
    assert guarded(ALIAS).breaker.state is BreakerState.CLOSED


def test_outage_breaker_open_is_logged_once(
    settings: SettingsWrapper,
    throwaway_redis: ThrowawayRedis,
    client: Client,
    client_id: str,
    json_logs: Any,
) -> None:
    _use(settings, throwaway_redis.url, REDIS_BREAKER_COOLDOWN=60.0)
    throwaway_redis.stop()
    for _ in range(30):
        client.get("/outage/", HTTP_X_CLIENT=client_id)
    lines = [r for r in json_logs.by_logger("infra_core.redis") if r.get("breaker_state")]
    assert [r["breaker_state"] for r in lines] == ["open"]
