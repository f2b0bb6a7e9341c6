"""Async views on a leased scope: permits in hand spent on the event loop, the rest in a thread."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import AsyncClient, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit import decorators
from infra_core.ratelimit import lease as lease_mod
from infra_core.ratelimit.decision import decide, redis_key
from infra_core.ratelimit.nowait import LATER, decide_now
from infra_core.ratelimit.rates import Rate
from infra_core.redis import guarded
from tests.conftest import ThrowawayRedis
from tests.ratelimit.conftest import redis_cache

pytestmark = pytest.mark.urls("tests.ratelimit.urls")


@pytest.fixture(autouse=True)
def _fresh_leases() -> Iterator[None]:
    lease_mod.LEASES.clear()
    yield
    lease_mod.LEASES.clear()


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the decorator's thread hand-offs (the real sync_to_async still runs each one)."""
    calls: list[int] = []
    real = decorators.sync_to_async

    def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(fn, *args, **kwargs)

    monkeypatch.setattr(decorators, "sync_to_async", counting)
    return calls


def test_async_view_spends_leased_permits_without_a_thread(
    settings: SettingsWrapper, client_id: str, hand_offs: list[int]
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_LEASE": {"async": 2}}  # the view: 3/m, X-Client

    async def run() -> list[tuple[int, str | None]]:
        client = AsyncClient()
        out = []
        for _ in range(4):
            response = await client.get("/async/", headers={"X-Client": client_id})
            out.append((response.status_code, response.get("X-RateLimit-Remaining")))
        return out

    # 1: takes a lease of 2 (thread); 2: spends the second permit here; 3: takes the last
    # permit (thread); 4: the take grants none, a 429 (thread). Exact as ever: 3 admitted.
    assert asyncio.run(run()) == [(200, "2"), (200, "1"), (200, "0"), (429, "0")]
    assert len(hand_offs) == 3
    key = redis_key("default", "async", f"header:x-client:{client_id}", Rate(3, 60))
    assert guarded("default").client.zcard(key) == 3


def _request(client: str | None = "c1") -> Any:
    headers = {"HTTP_X_CLIENT": client} if client else {}
    return RequestFactory().get("/async/", **headers)


def test_decide_now_needs_permits_in_hand(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_LEASE": {"s": 3}}
    ident = uuid.uuid4().hex
    request = _request(ident)
    assert decide_now(request, "s", "header:X-Client", "10/m") is LATER  # no lease yet
    first = decide(request, "s", "header:X-Client", "10/m")  # takes one (3 permits), spends 1
    assert first is not None and first.remaining == 9
    now = [decide_now(request, "s", "header:X-Client", "10/m") for _ in range(3)]
    assert [d.remaining if d is not LATER else "later" for d in now] == [8, 7, "later"]


def test_decide_now_leaves_io_and_contention_to_decide(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_LEASE": {"s": 5}}
    ident = uuid.uuid4().hex
    request = _request(ident)
    assert decide(request, "s", "header:X-Client", "10/m") is not None  # a lease in hand
    # Plan resolution (no explicit rate), a user key, a scope without a lease: LATER.
    assert decide_now(request, "s", "header:X-Client") is LATER
    assert decide_now(request, "s", "user", "10/m") is LATER
    assert decide_now(request, "other", "header:X-Client", "10/m") is LATER
    # Another thread taking or spending the lease: never wait on the event loop.
    (lease,) = [v for k, v in lease_mod.LEASES._leases.items() if ident in k]
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lease.lock:
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        assert decide_now(request, "s", "header:X-Client", "10/m") is LATER
    finally:
        release.set()
        holder.join(5)
    assert decide_now(request, "s", "header:X-Client", "10/m") is not LATER


def test_decide_now_answers_none_where_decide_would(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_LEASE": {"s": 5}}
    assert decide_now(_request(None), "s", "header:X-Client", "10/m") is None  # no key value
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_LEASE": {"s": 5}, "RATELIMIT_ENABLED": False}
    assert decide_now(_request(), "s", "header:X-Client", "10/m") is None


@pytest.mark.integration
@pytest.mark.parametrize(("fail_open", "after"), [(True, 200), (False, 429)])
def test_async_view_spends_permits_in_hand_through_an_outage_then_the_policy_answers(
    settings: SettingsWrapper,
    throwaway_redis: ThrowawayRedis,
    client_id: str,
    hand_offs: list[int],
    fail_open: bool,
    after: int,
) -> None:
    settings.CACHES = {**settings.CACHES, "rl_async_outage": redis_cache(throwaway_redis.url)}
    settings.INFRA_CORE = {
        "RATELIMIT_CACHE": "rl_async_outage",
        "RATELIMIT_SCOPE_LEASE": {"async": 2},
        "RATELIMIT_FAIL_OPEN": fail_open,
        "REDIS_SOCKET_TIMEOUT": 0.2,
    }

    async def get() -> Any:
        return await AsyncClient().get("/async/", headers={"X-Client": client_id})

    assert asyncio.run(get()).status_code == 200  # takes a lease of 2 (thread), spends 1
    throwaway_redis.stop()
    second = asyncio.run(get())  # the permit in hand: no Redis, no thread
    assert (second.status_code, len(hand_offs)) == (200, 1)
    third = asyncio.run(get())  # a take is needed: the thread, the outage policy, never a 500
    assert third.status_code == after and len(hand_offs) == 2
    if after == 429:
        assert third.json()["error"]["code"] == "rate_limited" and int(third["Retry-After"]) >= 1
