"""A leased ``@rate_limit`` on an async view: decided on the event loop vs handed to a thread.

Drives infra_core's ASGI stack of ``bench/stack_app.py`` (variant ``infra_lease``, async view)
in-process: Django's ASGI handler called with a real scope, receive and send, 200 requests a
block. Each round times one block with ``decide_now`` (permits in hand spent on the loop) and one
with every decision handed to ``sync_to_async`` as before it existed, in alternating order; it
prints both and the saving per request (median and range over rounds).

Usage: ``python bench/bench_async_lease.py [--rounds N]`` (Redis at INFRA_TEST_REDIS_URL or
127.0.0.1:6379).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BLOCK = 200


async def _one(app: Any) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/ping",
        "raw_path": b"/ping",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(60)  # Django cancels this listener once the response is sent
        return {"type": "http.disconnect"}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


async def _measure(rounds: int) -> dict[str, list[float]]:
    from bench import stack_app
    from infra_core.ratelimit import decorators

    app = stack_app.asgi
    inline = decorators.decide_now

    def hand_off(*args: Any, **kwargs: Any) -> Any:
        return decorators.LATER

    for _ in range(BLOCK):  # warm-up: imports, the Redis client, the first lease
        assert await _one(app) == 200
    means: dict[str, list[float]] = {"inline": [], "hand-off": []}
    variants = [("inline", inline), ("hand-off", hand_off)]
    for r in range(rounds):
        for name, fn in variants if r % 2 else variants[::-1]:
            decorators.decide_now = fn  # type: ignore[assignment]
            start = time.perf_counter()
            for _ in range(BLOCK):
                await _one(app)
            means[name].append((time.perf_counter() - start) / BLOCK * 1e6)
    decorators.decide_now = inline
    return means


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["BENCH_STACK_VARIANT"] = "infra_lease"
    means = asyncio.run(_measure(args.rounds))
    saved = [b - a for a, b in zip(means["inline"], means["hand-off"], strict=True)]
    for name, values in means.items():
        print(f"{name}: {statistics.median(values):.0f} µs/request median, min {min(values):.0f}")
    print(
        f"saved by deciding on the loop: {statistics.median(saved):.0f} µs/request median "
        f"[{min(saved):.0f} to {max(saved):.0f}] over {args.rounds} rounds"
    )


if __name__ == "__main__":
    main()
