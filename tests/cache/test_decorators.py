"""@cached around sync and async functions."""

from __future__ import annotations

import asyncio
import uuid

from infra_core.cache import bump, cached


def test_cached_sync_function_computes_once_per_arguments() -> None:
    calls: list[int] = []
    tag = uuid.uuid4().hex

    @cached(ttl=60, key=lambda n: f"t:sq:{tag}:{n}")
    def square(n: int) -> int:
        calls.append(n)
        return n * n

    assert [square(3), square(3), square(4)] == [9, 9, 16]
    assert calls == [3, 4]


def test_cached_async_function_computes_once() -> None:
    calls: list[int] = []
    tag = uuid.uuid4().hex

    @cached(ttl=60, key=lambda n: f"t:asq:{tag}:{n}")
    async def square(n: int) -> int:
        calls.append(n)
        await asyncio.sleep(0)
        return n * n

    async def run() -> list[int]:
        return [await square(5), await square(5)]

    assert asyncio.run(run()) == [25, 25]
    assert calls == [5]


def test_cached_default_key_distinguishes_arguments() -> None:
    tag = uuid.uuid4().hex

    @cached(ttl=60)
    def echo(value: str, *, suffix: str = "") -> str:
        return value + suffix + tag

    assert echo("a") != echo("a", suffix="b")
    assert echo.cache_key("a") != echo.cache_key("a", suffix="b")


def test_cached_invalidate_drops_one_entry() -> None:
    calls: list[int] = []
    tag = uuid.uuid4().hex

    @cached(ttl=60, key=lambda n: f"t:inv:{tag}:{n}")
    def fn(n: int) -> int:
        calls.append(n)
        return n

    fn(1)
    fn.invalidate(1)
    fn(1)
    assert calls == [1, 1]


def test_cached_namespace_is_dropped_by_bump() -> None:
    calls: list[int] = []
    ns = f"ns{uuid.uuid4().hex[:12]}"

    @cached(ttl=60, namespace=ns, key=lambda n: f"item:{n}")
    def fn(n: int) -> int:
        calls.append(n)
        return n

    fn(1)
    bump(ns)
    fn(1)
    assert calls == [1, 1]


def test_cached_async_wrapper_is_a_coroutine_function() -> None:
    @cached(ttl=60)
    async def fn() -> int:
        return 1

    assert asyncio.iscoroutinefunction(fn)
