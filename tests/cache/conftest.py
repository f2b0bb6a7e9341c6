"""Fixtures for the cache tests: a unique key per test, fresh stores, metric readings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from infra_core import redis as infra_redis
from infra_core.cache import store


@pytest.fixture(autouse=True)
def _fresh_stores() -> Iterator[None]:
    store.reset()
    infra_redis.reset()
    yield
    store.reset()
    infra_redis.reset()


@pytest.fixture
def key() -> str:
    return f"t:{uuid.uuid4().hex}"


def sample(metric: str, **labels: str) -> float:
    """Return a metric sample's current value (0 when absent)."""
    return REGISTRY.get_sample_value(metric, labels) or 0.0
