"""Rate limiting: one decision in-process, beside a bare EVALSHA and django-ratelimit, one run.

All variants talk to the same Redis (``INFRA_TEST_REDIS_URL`` or 127.0.0.1:6379/0) through
django-redis, each in its own fresh process, with a per-process key prefix that is deleted after:

* ``evalsha_noop``: ``EVALSHA`` of ``return 1`` through a registered redis-py ``Script``: the bare
  round trip the issue's goal is measured against.
* ``evalsha_noop_exec``: the same through ``client.execute_command("EVALSHA", ...)``, which is how
  ``decide()`` calls its script (no ``Script.__call__`` overhead): the leanest redis-py round trip.
* ``evalsha_window``: ``EVALSHA`` of infra_core's sliding-window script, called bare (``Script``).
* ``evalsha_counter``: the same for the sliding-window counter script.
* ``infra``: ``infra_core.ratelimit.services.decide(request, "bench", "ip", "1000000/m")``: the
  whole decision (rate parse, key, breaker, script, metric) as the decorator/middleware run it.
* ``infra_counter``: the same ``decide`` with ``RATELIMIT_ALGORITHM = "counter"``.
* ``peer``: ``django_ratelimit.core.is_ratelimited(request, group="bench", key="ip",
  rate="1000000/m", increment=True)``.
* ``infra_breaker_open``: ``decide`` while the alias points at a closed port and the breaker is
  open (fail-open to the in-process limiter): what a decision costs during a Redis outage.

The limit is never reached, so every variant does its full work on every call.
Run: ``python bench/bench_ratelimit.py`` (prints a table and JSON); ``--rounds 2`` alternates.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ratio, run_variant, time_callable

VARIANTS = [
    "evalsha_noop",
    "evalsha_noop_exec",
    "evalsha_window",
    "evalsha_counter",
    "infra",
    "infra_counter",
    "peer",
    "infra_breaker_open",
]
REDIS_URL = os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RATE = "1000000/m"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: connects are refused


def configure(variant: str) -> str:
    import django
    from django.conf import settings

    prefix = f"bench-rl-{os.getpid()}"
    location = REDIS_URL
    if variant == "infra_breaker_open":
        location = f"redis://127.0.0.1:{_closed_port()}/0"
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
        RATELIMIT_USE_CACHE="default",
        INFRA_CORE={
            "REDIS_BREAKER_COOLDOWN": 3600.0,
            "RATELIMIT_ALGORITHM": "counter" if variant == "infra_counter" else "log",
        },
        USE_TZ=True,
    )
    django.setup()
    return prefix


def _callable(variant: str) -> Any:
    from django.test import RequestFactory

    request = RequestFactory().get("/bench/", REMOTE_ADDR="203.0.113.10")
    if variant.startswith("evalsha"):
        from django_redis import get_redis_connection

        from infra_core.ratelimit.engine import SLIDING_COUNTER_LUA, SLIDING_WINDOW_LUA

        client = get_redis_connection("default")
        if variant == "evalsha_noop":
            script = client.register_script("return 1")
            return lambda: script(keys=["bench"], args=[])
        if variant == "evalsha_noop_exec":
            sha = client.script_load("return 1")
            return lambda: client.execute_command("EVALSHA", sha, 1, "bench")
        key = "bench-rl-bare:{bench}"
        if variant == "evalsha_counter":
            counter = client.register_script(SLIDING_COUNTER_LUA)
            return lambda: counter(keys=[key + ":c"], args=[1_000_000, 60_000_000, 120_001])
        script = client.register_script(SLIDING_WINDOW_LUA)
        return lambda: script(keys=[key], args=[1_000_000, 60_000_000, 60_001])
    if variant == "peer":
        from django_ratelimit.core import is_ratelimited

        return lambda: is_ratelimited(request, group="bench", key="ip", rate=RATE, increment=True)
    from infra_core.ratelimit.services import decide

    return lambda: decide(request, "bench", "ip", RATE)


def measure_variant(variant: str) -> dict[str, Any]:
    prefix = configure(variant)
    fn = _callable(variant)
    if variant == "infra_breaker_open":
        for _ in range(5):
            fn()  # refused connections open the breaker before timing starts
        from infra_core.redis import guarded

        assert guarded("default").breaker.state.value == "open"
    stats = time_callable(fn, n=2000, repeats=5, warmup=300, block=500)
    if variant != "infra_breaker_open":
        from django_redis import get_redis_connection

        client = get_redis_connection("default")
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
        client.delete("bench-rl-bare:{bench}", "bench-rl-bare:{bench}:c")
    return {"variant": variant, **stats}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure_variant(args.variant)))
        return
    rounds: list[dict[str, dict[str, Any]]] = []
    for _ in range(args.rounds):
        rounds.append({v: run_variant("bench_ratelimit.py", v) for v in VARIANTS})
    for i, results in enumerate(rounds, 1):
        print(f"\nround {i}: | variant | fast µs | median µs | p50 / p99 µs |")
        print("|---|---|---|---|")
        for name, r in results.items():
            print(f"| {name} | {r['fast_us']} | {r['median_us']} | {r['p50_us']} / {r['p99_us']} |")
        for key in ("fast_us", "median_us"):
            bare, peer = results["evalsha_noop"][key], results["peer"][key]
            for name, own in (("infra", "evalsha_window"), ("infra_counter", "evalsha_counter")):
                infra = results[name][key]
                print(
                    f"{key}: {name} / bare EVALSHA = {ratio(infra, bare)}, "
                    f"{name} / django-ratelimit = {ratio(infra, peer)}, "
                    f"{name} / bare execute_command EVALSHA = "
                    f"{ratio(infra, results['evalsha_noop_exec'][key])}, "
                    f"{name} / bare EVALSHA of the same script = "
                    f"{ratio(infra, results[own][key])}"
                )
    print(json.dumps(rounds))


if __name__ == "__main__":
    main()
