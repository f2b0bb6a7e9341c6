"""Settings of the shared Redis helper (E210, in the rate-limit range where it was born)."""

from __future__ import annotations

from infra_core.conf import Setting
from infra_core.parsers import integer, number

REDIS_SOCKET_TIMEOUT: Setting[float] = Setting(
    "REDIS_SOCKET_TIMEOUT",
    0.25,
    number(maximum=5, positive=True),
    "Socket connect/read timeout in seconds for infra_core's own Redis connections.",
    "infra_core.E210",
    "e.g. 0.25",
)
REDIS_BREAKER_FAILURES: Setting[int] = Setting(
    "REDIS_BREAKER_FAILURES",
    3,
    integer(1),
    "Consecutive failures that open a Redis circuit breaker.",
    "infra_core.E210",
    "e.g. 3",
)
REDIS_BREAKER_COOLDOWN: Setting[float] = Setting(
    "REDIS_BREAKER_COOLDOWN",
    5.0,
    number(positive=True),
    "Seconds an open breaker waits before letting one trial call through.",
    "infra_core.E210",
    "e.g. 5.0",
)

SETTINGS = (REDIS_SOCKET_TIMEOUT, REDIS_BREAKER_FAILURES, REDIS_BREAKER_COOLDOWN)
