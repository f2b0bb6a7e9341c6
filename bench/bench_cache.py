"""Cache-aside: infra_core's hit and miss beside raw django-redis and django-cache-memoize, one run.

Every variant talks to the same Redis (``INFRA_TEST_REDIS_URL`` or 127.0.0.1:6379/0) through the
same django-redis alias, from ONE process, interleaved: each round times a block of every variant
in a shuffled order, and a ratio is the median over rounds of two variants' block means in the
same round (this VM drifts between fast and slow phases for seconds at a time; paired blocks
~10 ms apart see the same phase). The value is a ~200-byte dict.

* ``raw_get``: ``cache.get(key)`` of a value ``cache.set`` stored: the baseline of a hit.
* ``infra_hit``: ``get_or_compute(key, fn, 3600)`` on a stored entry (one GET).
* ``memoize_hit``: a ``@cache_memoize(3600)`` function (django-cache-memoize 0.2.1), cached.
* ``raw_miss``: ``cache.get(k)`` -> None, ``fn()``, ``cache.set(k, v, 60)`` on a fresh key.
* ``infra_miss``: ``get_or_compute(k, fn, 60)`` on a fresh key: GET, lock (``SET NX PX`` in
  the claim script), fn, store-and-release script: single flight included.
* ``memoize_miss``: the memoized function called with a fresh argument.
* ``*_fn200``: the same misses with a fn that spins 200 µs (a small query's worth of work).
* ``infra_local_hit``: ``get_or_compute(key, fn, 3600, local=True)`` served by the local tier.
* ``infra_stale``: ``get_or_compute(key, fn, 60, stale_ttl=3600)`` on a stale entry whose
  refresh lock another caller holds: what a caller pays to be served stale (GET + ``SET NX``).
* ``invalidation_ms``: another connection DELetes a key held in the local tier; the time until the
  tier no longer serves it (CLIENT TRACKING delivery), 50 times.
* ``infra_breaker_open`` (own process): ``get_or_compute`` while the alias points at a closed
  port and the breaker is open, beside ``fn()`` alone: what a lookup adds in an outage.

Run: ``python bench/bench_cache.py`` (prints a table and JSON); ``--blocks N`` rounds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, time_callable

REDIS_URL = os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BLOCK = 100
VALUE = {
    "id": 42,
    "name": "product forty-two",
    "tags": ["a", "b", "c"],
    "price": 1999,
    "description": "x" * 120,
}
PAIRS = [
    ("infra_hit", "raw_get", 1.15),
    ("infra_local_hit", "raw_get", 0.15),
    ("memoize_hit", "raw_get", None),
    ("infra_stale", "raw_get", None),
    ("infra_miss", "raw_miss", 1.3),
    ("memoize_miss", "raw_miss", None),
    ("infra_miss_fn200", "raw_miss_fn200", 1.3),
]


def configure(*, down: bool = False) -> str:
    import django
    from django.conf import settings

    prefix = f"bench-cache-{os.getpid()}"
    location = REDIS_URL
    if down:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            location = f"redis://127.0.0.1:{s.getsockname()[1]}/0"  # closed: refused
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "infra_core"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": location,
                "KEY_PREFIX": prefix,
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
            }
        },
        INFRA_CORE={"REDIS_BREAKER_COOLDOWN": 3600.0},
        USE_TZ=True,
    )
    django.setup()
    return prefix


def _spin(us: float) -> Callable[[], dict[str, Any]]:
    def fn() -> dict[str, Any]:
        end = time.perf_counter() + us / 1e6
        while time.perf_counter() < end:
            pass
        return VALUE

    return fn


def _warm_local(key: str) -> Any:
    """Read ``key`` with local=True until the local tier holds it; return the tier."""
    from infra_core.cache import get_or_compute
    from infra_core.cache.local import MISSING
    from infra_core.cache.tiers import tier_for

    tier = tier_for("default")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        get_or_compute(key, lambda: VALUE, 3600, local=True)
        if tier.live and tier.get(tier.make_key(key)) is not MISSING:
            return tier
        time.sleep(0.01)
    raise RuntimeError("the local tier did not come up")


def measure_invalidation(rounds: int = 50) -> dict[str, float]:
    """Return the median and max ms from a DEL elsewhere until the local tier stops serving."""
    from django.core.cache import cache
    from django_redis import get_redis_connection

    from infra_core.cache.local import MISSING

    other = get_redis_connection("default")
    took = []
    for i in range(rounds):
        key = f"inv:{i}"
        tier = _warm_local(key)
        rk = cache.make_key(key)
        t0 = time.perf_counter()
        other.delete(rk)
        while tier.get(rk) is not MISSING and time.perf_counter() - t0 < 1.0:
            time.sleep(0.0001)
        took.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(took), 3), "max_ms": round(max(took), 3)}


def callables() -> dict[str, Callable[[], Any]]:
    """Return one zero-argument call per variant."""
    from cache_memoize import cache_memoize
    from django.core.cache import cache

    from infra_core.cache import get_or_compute

    fresh = itertools.count()
    cache.set("raw", VALUE, 3600)
    get_or_compute("infra", lambda: VALUE, 3600)

    @cache_memoize(3600)
    def memoized(n: int) -> dict[str, Any]:
        return VALUE

    memoized(0)
    fn200 = _spin(200)
    _warm_local("infra_local")
    get_or_compute("stale", lambda: VALUE, 0.001, stale_ttl=3600)
    time.sleep(0.01)
    from django_redis import get_redis_connection

    from infra_core.cache.store import LOCK_SUFFIX

    get_redis_connection("default").set(cache.make_key("stale") + LOCK_SUFFIX, "held", px=600_000)

    def raw_miss(fn: Callable[[], Any] = lambda: VALUE) -> Any:
        key = f"rm:{next(fresh)}"
        value = cache.get(key)
        if value is None:
            value = fn()
            cache.set(key, value, 60)
        return value

    return {
        "raw_get": lambda: cache.get("raw"),
        "infra_hit": lambda: get_or_compute("infra", lambda: VALUE, 3600),
        "infra_local_hit": lambda: get_or_compute("infra_local", lambda: VALUE, 3600, local=True),
        "memoize_hit": lambda: memoized(0),
        "infra_stale": lambda: get_or_compute("stale", lambda: VALUE, 60, stale_ttl=3600),
        "raw_miss": raw_miss,
        "infra_miss": lambda: get_or_compute(f"im:{next(fresh)}", lambda: VALUE, 60),
        "memoize_miss": lambda: memoized(next(fresh) + 1),
        "raw_miss_fn200": lambda: raw_miss(fn200),
        "infra_miss_fn200": lambda: get_or_compute(f"im:{next(fresh)}", fn200, 60),
    }


def measure_paired(blocks: int, seed: int) -> dict[str, Any]:
    """Time every variant in interleaved blocks; return block means and paired ratios."""
    prefix = configure()
    fns = callables()
    for fn in fns.values():
        for _ in range(200):
            fn()
    names = list(fns)
    rng = random.Random(seed)
    means: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter_ns
    for _ in range(blocks):
        rng.shuffle(names)
        for name in names:
            fn = fns[name]
            t0 = clock()
            for _ in range(BLOCK):
                fn()
            means[name].append((clock() - t0) / BLOCK / 1000)
    invalidation = measure_invalidation()
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    doomed = list(client.scan_iter(match=f"{prefix}*", count=1000))
    for i in range(0, len(doomed), 500):
        client.unlink(*doomed[i : i + 500])

    def paired(a: str, b: str) -> float:
        return round(statistics.median(x / y for x, y in zip(means[a], means[b], strict=True)), 3)

    return {
        "us": {n: round(statistics.median(v), 2) for n, v in means.items()},
        "ratios": {f"{a}/{b}": paired(a, b) for a, b, _ in PAIRS},
        "goal_share": {
            f"{a}/{b} <= {goal}": round(
                sum(x / y <= goal for x, y in zip(means[a], means[b], strict=True)) / blocks, 2
            )
            for a, b, goal in PAIRS
            if goal is not None
        },
        "invalidation_ms": invalidation,
        "blocks": blocks,
        "block": BLOCK,
    }


def measure_breaker_open() -> dict[str, Any]:
    configure(down=True)
    from infra_core.cache import get_or_compute
    from infra_core.redis import guarded

    for i in range(5):
        get_or_compute(f"k{i}", lambda: VALUE, 60)  # refused connections open the breaker
    assert guarded("default").breaker.state.value == "open"
    lookup = time_callable(lambda: get_or_compute("k", lambda: VALUE, 60), n=2000, repeats=5)
    bare = time_callable(lambda: VALUE, n=2000, repeats=5)
    return {
        "lookup_us": lookup["median_us"],
        "fn_us": bare["median_us"],
        "p99_us": lookup["p99_us"],
    }


def _sub(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    return dict(json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paired", action="store_true", help="one interleaved run (internal)")
    parser.add_argument("--down", action="store_true", help="breaker-open run (internal)")
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.paired:
        print(json.dumps(measure_paired(args.blocks, args.seed)))
        return
    if args.down:
        print(json.dumps(measure_breaker_open()))
        return
    run = _sub("--paired", "--blocks", str(args.blocks), "--seed", str(args.seed))
    down = _sub("--down")
    print(f"\n{run['blocks']} rounds x {run['block']} calls per variant, interleaved")
    print("| variant | median µs |")
    print("|---|---|")
    for name, us in run["us"].items():
        print(f"| {name} | {us} |")
    for name, value in run["ratios"].items():
        print(f"{name} = {value}")
    for name, share in run["goal_share"].items():
        print(f"rounds with {name}: {share:.0%}")
    inv = run["invalidation_ms"]
    print(f"local-tier invalidation delivery: median {inv['median_ms']} ms, max {inv['max_ms']} ms")
    print(f"breaker open: lookup {down['lookup_us']} µs vs fn alone {down['fn_us']} µs")
    print(json.dumps({"paired": run, "breaker_open": down}))


if __name__ == "__main__":
    main()
