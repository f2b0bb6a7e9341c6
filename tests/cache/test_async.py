"""aget_or_compute: single flight among coroutines without blocking the loop."""

from __future__ import annotations

import asyncio

from infra_core.cache import aget_or_compute


def test_aget_or_compute_20_coroutines_cold_key_compute_once(key: str) -> None:
    calls: list[int] = []

    async def fn() -> str:
        calls.append(1)
        await asyncio.sleep(0.2)
        return "value"

    async def run() -> list[str]:
        return await asyncio.gather(*(aget_or_compute(key, fn, 60) for _ in range(20)))

    assert asyncio.run(run()) == ["value"] * 20
    assert calls == [1]


def test_aget_or_compute_cached_none_is_a_hit(key: str) -> None:
    calls: list[int] = []

    async def fn() -> None:
        calls.append(1)

    async def run() -> None:
        await aget_or_compute(key, fn, 60)
        await aget_or_compute(key, fn, 60)

    asyncio.run(run())
    assert calls == [1]
