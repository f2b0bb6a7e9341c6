"""Leased mode on the real Redis of the test settings: take, spend, expiry, return, threads."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from django.core import checks
from django.core.cache import caches
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit import lease as lease_mod
from infra_core.ratelimit.concern import CONCERN
from infra_core.ratelimit.decision import hit, redis_key
from infra_core.ratelimit.engine import SLIDING_WINDOW_LUA, redis_hit
from infra_core.ratelimit.lease import LeaseTable
from infra_core.ratelimit.rates import Rate
from infra_core.redis import guarded


@pytest.fixture(autouse=True)
def _fresh_leases() -> Iterator[None]:
    lease_mod.LEASES.clear()
    yield
    lease_mod.LEASES.clear()


def _key(rate: Rate) -> str:
    return caches["default"].make_key(f"rl:{{lease:{uuid.uuid4().hex}}}:{rate.limit}/{rate.window}")


def test_take_stamps_the_lease_in_the_exact_modes_sorted_set() -> None:
    guard, rate, table = guarded("default"), Rate(10, 60), LeaseTable()
    key = _key(rate)
    first = table.hit(guard, key, rate, "s", 4, None)
    assert first.allowed and table.takes == 1
    assert guard.client.zcard(key) == 4  # four permits counted at once
    assert 0 < guard.client.pttl(key) <= 61_000
    # The three next requests are spent locally: no more Redis calls, Remaining counts down.
    rest = [table.hit(guard, key, rate, "s", 4, None) for _ in range(3)]
    assert table.takes == 1
    assert [d.remaining for d in [first, *rest]] == [9, 8, 7, 6]
    # An exact-mode request on the same key sees the leased permits as used.
    exact = redis_hit(guard.client, guard.script(SLIDING_WINDOW_LUA), key, rate)
    assert exact.allowed and exact.remaining == 10 - 5


def test_lease_never_grants_past_the_limit_and_blocks_like_exact_mode() -> None:
    guard, rate, table = guarded("default"), Rate(5, 60), LeaseTable()
    key = _key(rate)
    decisions = [table.hit(guard, key, rate, "s", 3, None) for _ in range(8)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 3
    assert guard.client.zcard(key) == 5
    blocked = decisions[-1]
    assert blocked.outcome == "blocked" and blocked.remaining == 0
    assert 1 <= blocked.retry_after <= 60


def test_expired_lease_returns_its_unspent_permits(monkeypatch: pytest.MonkeyPatch) -> None:
    guard, rate, table = guarded("default"), Rate(10, 60), LeaseTable()
    key = _key(rate)
    monkeypatch.setattr(lease_mod, "LEASE_SECONDS", 0.05)
    table.hit(guard, key, rate, "s", 5, None)  # 5 stamped, 1 spent
    assert guard.client.zcard(key) == 5
    time.sleep(0.1)
    later = table.hit(guard, key, rate, "s", 5, None)  # the old 4 go back, 5 new are stamped
    assert table.takes == 2
    assert guard.client.zcard(key) == 1 + 5
    assert later.remaining == 10 - 2


def test_other_process_lease_is_counted_and_returned_permits_are_reused() -> None:
    guard, rate = guarded("default"), Rate(6, 60)
    a, b = LeaseTable(), LeaseTable()  # two processes: two tokens, one lease each
    key = _key(rate)
    a.hit(guard, key, rate, "s", 4, None)
    got = b.hit(guard, key, rate, "s", 4, None)
    assert got.allowed and guard.client.zcard(key) == 6  # b was granted the 2 left
    b.hit(guard, key, rate, "s", 4, None)
    refused = b.hit(guard, key, rate, "s", 4, None)
    assert not refused.allowed  # a's 3 unspent permits are still a's
    # a's lease expires; its next take returns the 3 it never spent, then takes them again.
    lease = a.lease(key)
    lease.expires = 0.0
    again = a.hit(guard, key, rate, "s", 4, None)
    assert again.allowed and guard.client.zcard(key) == 6
    assert a.lease(key).granted == 3


def test_threads_of_one_process_share_one_lease_and_never_overspend() -> None:
    guard, rate, table = guarded("default"), Rate(50, 60), LeaseTable()
    key = _key(rate)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            decision = table.hit(guard, key, rate, "s", 7, None)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(allowed) == 160
    assert sum(allowed) == 50  # one process alone: exactly the limit
    assert guard.client.zcard(key) == 50
    assert table.takes <= 50 // 7 + 1 + (160 - 50)  # a take per lease, plus one per refusal


def test_a_fork_never_spends_the_parents_lease() -> None:
    guard, rate = guarded("default"), Rate(10, 60)
    key = _key(rate)
    lease_mod.LEASES.hit(guard, key, rate, "s", 5, None)
    token = lease_mod.LEASES.token
    lease_mod.LEASES.clear()  # what os.register_at_fork runs in the child
    assert lease_mod.LEASES.token != token
    assert lease_mod.LEASES.lease(key).granted == 0


def test_hit_uses_the_lease_only_for_configured_scopes(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_LEASE": {"leased": 5}}
    ident, rate = uuid.uuid4().hex, Rate(10, 60)
    client = guarded("default").client
    hit("leased", ident, rate)
    assert client.zcard(redis_key("default", "leased", ident, rate)) == 5
    hit("exact", ident, rate)
    assert client.zcard(redis_key("default", "exact", ident, rate)) == 1


def test_hit_leaves_counter_scopes_exact(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {
        "RATELIMIT_SCOPE_LEASE": {"c": 5},
        "RATELIMIT_SCOPE_ALGORITHM": {"c": "counter"},
    }
    ident, rate = uuid.uuid4().hex, Rate(10, 60)
    hit("c", ident, rate)
    fields = guarded("default").client.hgetall(redis_key("default", "c", ident, rate, "counter"))
    assert int(fields[b"c"]) == 1


@pytest.mark.parametrize("bad", [{"api": 0}, {"api": 1001}, {"api": "5"}, {"api": True}, [1]])
def test_bad_lease_setting_fails_check_e215(settings: SettingsWrapper, bad: object) -> None:
    settings.INFRA_CORE = {"RATELIMIT_SCOPE_LEASE": bad}
    assert "infra_core.E215" in [m.id for m in CONCERN.run_checks()]


def test_lease_on_a_counter_scope_fails_check_e215(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {
        "RATELIMIT_SCOPE_LEASE": {"api": 5},
        "RATELIMIT_SCOPE_ALGORITHM": {"api": "counter"},
    }
    found = [m for m in CONCERN.run_checks() if m.id == "infra_core.E215"]
    assert len(found) == 1 and found[0].level == checks.ERROR
    assert "'api'" in found[0].msg
