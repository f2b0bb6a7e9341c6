"""The health concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.health.conf import SETTINGS
from infra_core.health.registry import reset
from infra_core.health.reports import forget_reports
from infra_core.health.system_checks import check_health

CONCERN = Concern(
    "health",
    settings=SETTINGS,
    checks=(check_health,),
    # Rebuild the configured checks, and forget cached reports, whenever INFRA_CORE, DATABASES or
    # CACHES change.
    resets=(reset, forget_reports),
)
