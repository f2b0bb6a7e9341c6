"""The cache concern: settings, checks, model-change receivers, metrics, resets."""

from __future__ import annotations

from infra_core.cache import rules, store, tiers
from infra_core.cache.conf import SETTINGS
from infra_core.cache.receivers import connect, resync
from infra_core.cache.system_checks import check_cache
from infra_core.concerns import Concern

CONCERN = Concern(
    "cache",
    settings=SETTINGS,
    checks=(check_cache,),
    receivers=(connect,),
    metrics=("infra_core.cache.metrics",),
    resets=(tiers.reset, store.reset, rules.reset, resync),
)
