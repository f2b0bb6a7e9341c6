"""Rate limiting: one decision in-process, beside a bare EVALSHA and django-ratelimit, one run.

Every variant talks to the same Redis (``INFRA_TEST_REDIS_URL`` or 127.0.0.1:6379/0) from ONE
process, interleaved: each round times a 200-call block of every variant in a shuffled order, and
a ratio is the median over rounds of the two variants' block means in the same round. This VM
switches between a fast phase (a bare round trip ~33 µs) and a slow one (~80 µs) for seconds
at a time; timing variants one after the other in separate processes made their ratios swing by
+-30 % with the phase, while paired blocks ~20 ms apart see the same phase.

* ``raw_socket``: ``EVALSHA`` of ``return 1`` pre-packed on a plain socket: the floor, no client.
* ``evalsha_noop``: the same through a registered redis-py ``Script`` on the django-redis client:
  the bare round trip the issue's goal is measured against.
* ``evalsha_noop_exec``: the same through ``client.execute_command("EVALSHA", ...)``.
* ``evalsha_window`` / ``evalsha_counter``: infra_core's two scripts called bare (``Script``).
* ``infra``: ``infra_core.ratelimit.decision.decide(request, "bench", "ip", "1000000/m")``: the
  whole decision (rate parse, key, breaker, script, metric) as the decorator/middleware run it.
* ``infra_counter``: the same ``decide`` for a scope set to ``"counter"``
  (``RATELIMIT_SCOPE_ALGORITHM``).
* ``peer``: ``django_ratelimit.core.is_ratelimited(request, group="bench", key="ip",
  rate="1000000/m", increment=True)`` on the same django-redis cache.
* ``infra_breaker_open`` (its own process): ``decide`` while the alias points at a closed port and
  the breaker is open (fail-open to the in-process limiter): what a decision costs in an outage.

The limit is never reached, so every variant does its full work on every call.
Run: ``python bench/bench_ratelimit.py`` (prints a table and JSON); ``--runs 3`` repeats the whole
interleaved run in fresh processes; ``--blocks N`` sets the rounds per run.
"""

from __future__ import annotations

import argparse
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
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, run_variant, time_callable

PAIRED = [
    "raw_socket",
    "evalsha_noop",
    "evalsha_noop_exec",
    "evalsha_window",
    "evalsha_counter",
    "infra",
    "infra_counter",
    "peer",
]
BASE = "evalsha_noop"
REDIS_URL = os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RATE = "1000000/m"
BLOCK = 200


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends: connects are refused


def configure(*, down: bool = False) -> str:
    import django
    from django.conf import settings

    prefix = f"bench-rl-{os.getpid()}"
    location = f"redis://127.0.0.1:{_closed_port()}/0" if down else REDIS_URL
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
            "RATELIMIT_ALGORITHM": "log",
            "RATELIMIT_SCOPE_ALGORITHM": {"bench_counter": "counter"},
        },
        USE_TZ=True,
    )
    django.setup()
    return prefix


def _raw_socket(sha: str) -> Callable[[], Any]:
    url = urlsplit(REDIS_URL)
    sock = socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    db = (url.path or "/0").lstrip("/") or "0"
    sock.sendall(b"*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n" % (len(db), db.encode()))
    assert sock.recv(64) == b"+OK\r\n"
    packed = b"*4\r\n$7\r\nEVALSHA\r\n$40\r\n%s\r\n$1\r\n1\r\n$5\r\nbench\r\n" % sha.encode()

    def call() -> bytes:
        sock.sendall(packed)
        return sock.recv(64)  # ":1\r\n" arrives in one segment

    return call


def callables() -> dict[str, Callable[[], Any]]:
    """Return one zero-argument call per paired variant."""
    from django.test import RequestFactory
    from django_ratelimit.core import is_ratelimited
    from django_redis import get_redis_connection

    from infra_core.ratelimit.decision import decide
    from infra_core.ratelimit.engine import SLIDING_COUNTER_LUA, SLIDING_WINDOW_LUA

    request = RequestFactory().get("/bench/", REMOTE_ADDR="203.0.113.10")
    client = get_redis_connection("default")
    noop = client.register_script("return 1")
    sha = client.script_load("return 1")
    key = "bench-rl-bare:{bench}"
    window = client.register_script(SLIDING_WINDOW_LUA)
    counter = client.register_script(SLIDING_COUNTER_LUA)
    return {
        "raw_socket": _raw_socket(sha),
        "evalsha_noop": lambda: noop(keys=["bench"], args=[]),
        "evalsha_noop_exec": lambda: client.execute_command("EVALSHA", sha, 1, "bench"),
        "evalsha_window": lambda: window(keys=[key], args=[1_000_000, 60_000_000, 60_001]),
        "evalsha_counter": lambda: counter(
            keys=[key + ":c"], args=[1_000_000, 60_000_000, 120_001]
        ),
        "infra": lambda: decide(request, "bench", "ip", RATE),
        "infra_counter": lambda: decide(request, "bench_counter", "ip", RATE),
        "peer": lambda: is_ratelimited(request, group="bench", key="ip", rate=RATE, increment=True),
    }


def measure_paired(blocks: int, seed: int) -> dict[str, Any]:
    """Time every paired variant in interleaved blocks; return block means and paired ratios."""
    prefix = configure()
    fns = callables()
    for fn in fns.values():
        for _ in range(300):
            fn()  # warm: connections open, scripts loaded, caches filled
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
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    for key in client.scan_iter(match=f"{prefix}*", count=1000):
        client.delete(key)
    client.delete("bench-rl-bare:{bench}", "bench-rl-bare:{bench}:c")

    # Rounds run wholly in the VM's fast phase: every variant's block under 0.7x its run median
    # (a phase can switch mid-round: such rounds count in the overall medians only).
    medians = {n: statistics.median(v) for n, v in means.items()}
    fast = [i for i in range(blocks) if all(means[n][i] < 0.7 * medians[n] for n in means)]

    def paired(a: str, b: str, rounds: list[int] | None = None) -> float | None:
        pick = range(len(means[a])) if rounds is None else rounds
        values = [means[a][i] / means[b][i] for i in pick]
        return round(statistics.median(values), 3) if values else None

    return {
        "us": {n: round(statistics.median(v), 2) for n, v in means.items()},
        "fast_us": {n: round(sorted(v)[len(v) // 10], 2) for n, v in means.items()},
        "ratios": {
            f"{a}/{b}": paired(a, b)
            for a in ("infra", "infra_counter")
            for b in (BASE, "peer", "raw_socket", "evalsha_noop_exec")
        }
        | {
            "infra/evalsha_window": paired("infra", "evalsha_window"),
            "infra_counter/evalsha_counter": paired("infra_counter", "evalsha_counter"),
            "peer/evalsha_noop": paired("peer", BASE),
        },
        # The share of rounds in which each goal held (not just the median).
        "goal_share": {
            f"{a} {goal}": round(
                sum(x / y <= limit for x, y in zip(means[a], means[b], strict=True))
                / len(means[a]),
                2,
            )
            for a in ("infra", "infra_counter")
            for goal, b, limit in (("<=1.2x bare", BASE, 1.2), ("<=0.4x peer", "peer", 0.4))
        },
        "fast_phase": {
            "rounds": len(fast),
            "ratios": {
                f"{a}/{b}": paired(a, b, fast)
                for a in ("infra", "infra_counter")
                for b in (BASE, "peer")
            },
        },
        "round_us": {n: [round(x, 1) for x in v] for n, v in means.items()},
        "blocks": blocks,
        "block": BLOCK,
        "base_range_us": [round(min(means[BASE]), 1), round(max(means[BASE]), 1)],
    }


def measure_breaker_open() -> dict[str, Any]:
    configure(down=True)
    from django.test import RequestFactory

    from infra_core.ratelimit.decision import decide
    from infra_core.redis import guarded

    request = RequestFactory().get("/bench/", REMOTE_ADDR="203.0.113.10")
    for _ in range(5):
        decide(request, "bench", "ip", RATE)  # refused connections open the breaker first
    assert guarded("default").breaker.state.value == "open"
    stats = time_callable(
        lambda: decide(request, "bench", "ip", RATE), n=2000, repeats=5, warmup=300, block=500
    )
    return {"variant": "infra_breaker_open", **stats}


def _run_paired(blocks: int, seed: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--paired", "--blocks", str(blocks), "--seed", str(seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, timeout=900)
    return dict(json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paired", action="store_true", help="one interleaved run (internal)")
    parser.add_argument("--variant", help="infra_breaker_open (internal)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.paired:
        print(json.dumps(measure_paired(args.blocks, args.seed)))
        return
    if args.variant:
        print(json.dumps(measure_breaker_open()))
        return
    runs = [_run_paired(args.blocks, seed) for seed in range(args.runs)]
    down = run_variant("bench_ratelimit.py", "infra_breaker_open")
    for i, run in enumerate(runs, 1):
        print(
            f"\nrun {i} ({run['blocks']} rounds x {run['block']} calls per variant; "
            f"bare EVALSHA block means {run['base_range_us'][0]}-{run['base_range_us'][1]} µs)"
        )
        print("| variant | median µs | fast µs |")
        print("|---|---|---|")
        for name in PAIRED:
            print(f"| {name} | {run['us'][name]} | {run['fast_us'][name]} |")
        for name, value in run["ratios"].items():
            print(f"{name} = {value}")
        for name, share in run["goal_share"].items():
            print(f"rounds with {name}: {share:.0%}")
        fast = run["fast_phase"]
        print(
            f"{fast['rounds']} rounds wholly in the fast phase "
            f"(every block < 0.7x its median): {fast['ratios']}"
        )
    print(f"\ninfra_breaker_open: {down['median_us']} µs median, p99 {down['p99_us']} µs")
    print(json.dumps({"runs": runs, "infra_breaker_open": down}))


if __name__ == "__main__":
    main()
