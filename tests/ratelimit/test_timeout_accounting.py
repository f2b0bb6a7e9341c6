"""A decision whose Redis call timed out spends no quota, even though Redis runs it later.

The Redis is a throwaway server paused with SIGSTOP for longer than REDIS_SOCKET_TIMEOUT: the
EVALSHAs written during the pause sit in its socket buffers and run on SIGCONT. docs/ratelimit.md
("Outage policy") promises they write nothing, whatever the policy and algorithm.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from typing import Any

import pytest
import redis
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit import decision as limiter
from infra_core.ratelimit.rates import Rate
from infra_core.redis import BreakerState, guarded
from tests.conftest import ThrowawayRedis
from tests.ratelimit.conftest import redis_cache

pytestmark = pytest.mark.integration
ALIAS = "rl_accounting"
RATE = Rate(5, 60)
TIMEOUT = 0.2


def _use(settings: SettingsWrapper, url: str, **infra: Any) -> None:
    settings.CACHES = {**settings.CACHES, ALIAS: redis_cache(url)}
    settings.INFRA_CORE = {
        "RATELIMIT_CACHE": ALIAS,
        "REDIS_SOCKET_TIMEOUT": TIMEOUT,
        "REDIS_BREAKER_COOLDOWN": 0.5,
        **infra,
    }


def _stored(admin: redis.Redis, key: str, algorithm: str) -> int:
    if algorithm == "log":
        return int(admin.zcard(key))
    return int(admin.hget(key, "c") or 0)


@pytest.mark.parametrize("algorithm", ["log", "counter"])
@pytest.mark.parametrize("fail_open", [False, True], ids=["fail_closed", "fail_open"])
def test_paused_redis_timed_out_decisions_are_not_counted_after_sigcont(
    settings: SettingsWrapper, throwaway_redis: ThrowawayRedis, algorithm: str, fail_open: bool
) -> None:
    _use(settings, throwaway_redis.url, RATELIMIT_ALGORITHM=algorithm,
         RATELIMIT_FAIL_OPEN=fail_open)  # fmt: skip
    ident = uuid.uuid4().hex
    key = limiter.redis_key(ALIAS, "acct", ident, RATE, algorithm)
    admin = redis.Redis.from_url(throwaway_redis.url, socket_timeout=5)
    assert limiter.hit("acct", "warm-" + ident, RATE).allowed  # script loaded, sockets open
    assert throwaway_redis.proc is not None
    os.kill(throwaway_redis.proc.pid, signal.SIGSTOP)
    try:
        paused = [limiter.hit("acct", ident, RATE) for _ in range(3)]  # each waits the timeout
        assert guarded(ALIAS).breaker.state is BreakerState.OPEN
        time.sleep(TIMEOUT)  # paused longer than the socket timeout
    finally:
        os.kill(throwaway_redis.proc.pid, signal.SIGCONT)
    expected = "fail_open" if fail_open else "fail_closed"
    assert [d.outcome for d in paused] == [expected] * 3
    admin.ping()  # Redis is running again: the queued EVALSHAs ran before or with this
    time.sleep(0.2)
    assert _stored(admin, key, algorithm) == 0, "a timed-out decision was counted in Redis"

    time.sleep(0.6)  # the breaker's cooldown: the next call is its trial
    admitted = [limiter.hit("acct", ident, RATE).allowed for _ in range(RATE.limit + 2)]
    assert admitted == [True] * RATE.limit + [False, False]
    admin.close()
