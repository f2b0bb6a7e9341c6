"""Environment loading: EnvSchema.load() vs the same variables read with bare django-environ.

One process, interleaved: each round times a block of ``--calls`` loads of every variant in a
shuffled order; a ratio is the median over rounds of the two variants' block means in the same
round (this VM has multi-second slow phases, which hit both variants of a round alike).

Variants:

* ``environ``: ``environ.Env`` getters (``bool``, ``str``, ``list``, ``db_url``, ``cache_url``,
  ``int``, ``float``, ``json``, ``path``) for twelve variables, as a settings module does today.
* ``schema``: ``EnvSchema.load()`` of the same twelve variables (validation, undeclared-name
  scan and masking included), no problems.
* ``schema_errors``: the same schema with five bad values: ``validate()`` building the report.

Loading runs once per process at startup; this measures what that costs.
Run: ``python bench/bench_env.py [--rounds 30] [--calls 200]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import environ

from infra_core.env import EnvSchema, Var

VALUES = {
    "DEBUG": "false",
    "SECRET_KEY": "k$+#'\" " * 10,
    "ALLOWED_HOSTS": "shop.example.com,www.shop.example.com",
    "DATABASE_URL": "postgres://shop:p%23ss@db.internal:5432/shop",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "WEB_CONCURRENCY": "8",
    "SAMPLE_RATE": "0.25",
    "LIMITS": '{"api": 100, "upload": 5}',
    "MEDIA_ROOT": "/srv/media",
    "LOG_LEVEL": "INFO",
    "SITE_NAME": "Shop",
    "GIT_SHA": "0123abcd",
}
ENVIRON = {**VALUES, "HOME": "/root", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
BAD = {
    **ENVIRON,
    "WEB_CONCURRENCY": "eight",
    "DATABASE_URL": "postgres://x#y@h/d",
    "LOG_LEVEL": "LOUD",
    "SAMPLE_RATE": "2",
    "SECRET_KEY": "short",
}

SCHEMA = EnvSchema(
    DEBUG=Var(bool, default=False),
    SECRET_KEY=Var(str, secret=True, min_length=50),
    ALLOWED_HOSTS=Var(list, default="localhost"),
    DATABASE_URL=Var("db_url", secret=True),
    REDIS_URL=Var("cache_url", default=None),
    WEB_CONCURRENCY=Var(int, default=4, min=1, max=64),
    SAMPLE_RATE=Var(float, default=1.0, min=0, max=1),
    LIMITS=Var("json", default="{}"),
    MEDIA_ROOT=Var("path", default="/tmp/media"),
    LOG_LEVEL=Var(str, default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    SITE_NAME=Var(str, default="site"),
    GIT_SHA=Var(str, default=None),
)


class _Env(environ.Env):  # type: ignore[misc]
    ENVIRON = ENVIRON


def bare_environ() -> Any:
    env = _Env()
    return (
        env.bool("DEBUG", default=False),
        env.str("SECRET_KEY"),
        env.list("ALLOWED_HOSTS", default=["localhost"]),
        env.db_url("DATABASE_URL"),
        env.cache_url("REDIS_URL", default="locmemcache://"),
        env.int("WEB_CONCURRENCY", default=4),
        env.float("SAMPLE_RATE", default=1.0),
        env.json("LIMITS", default={}),
        env.path("MEDIA_ROOT", default="/tmp/media"),
        env.str("LOG_LEVEL", default="INFO"),
        env.str("SITE_NAME", default="site"),
        env.str("GIT_SHA", default=""),
    )


VARIANTS: dict[str, Callable[[], Any]] = {
    "environ": bare_environ,
    "schema": lambda: SCHEMA.load(ENVIRON),
    "schema_errors": lambda: SCHEMA.validate(BAD),
}


def _block(fn: Callable[[], Any], calls: int) -> float:
    clock = time.perf_counter_ns
    start = clock()
    for _ in range(calls):
        fn()
    return (clock() - start) / calls / 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    assert not SCHEMA.validate(ENVIRON).problems and len(SCHEMA.validate(BAD).problems) == 5
    for fn in VARIANTS.values():
        _block(fn, args.calls)  # warm up
    rounds: list[dict[str, float]] = []
    order = list(VARIANTS)
    for _ in range(args.rounds):
        random.shuffle(order)
        rounds.append({name: _block(VARIANTS[name], args.calls) for name in order})
    result: dict[str, Any] = {"rounds": args.rounds, "calls": args.calls}
    for name in VARIANTS:
        result[f"{name}_us"] = round(statistics.median(r[name] for r in rounds), 1)
        result[f"{name}_ratio"] = round(
            statistics.median(r[name] / r["environ"] for r in rounds), 2
        )
    for name in VARIANTS:
        print(f"{name:14} {result[f'{name}_us']:9.1f} µs/load  {result[f'{name}_ratio']:.2f}x")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
