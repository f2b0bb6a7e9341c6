"""The shared Redis helper as a concern: its settings, and clients forgotten on changes."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.redis.client import reset
from infra_core.redis.conf import SETTINGS

CONCERN = Concern("redis", settings=SETTINGS, resets=(reset,))
