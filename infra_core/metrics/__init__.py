"""The one metrics registry: every ``infra_core_*`` metric is defined in ``definitions``."""

from __future__ import annotations

from infra_core.metrics.business import business_event, record_api_call, track_api_call
from infra_core.metrics.definitions import normalise_method

__all__ = ["business_event", "normalise_method", "record_api_call", "track_api_call"]
