"""The throwaway concern's metric, on the one registry."""

from __future__ import annotations

from prometheus_client import Counter

PINGS_TOTAL = Counter("testapp_pings_total", "Pings seen by the throwaway test concern.")
