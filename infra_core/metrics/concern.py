"""The metrics concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.metrics.conf import SETTINGS
from infra_core.metrics.system_checks import check_metrics

CONCERN = Concern(
    "metrics",
    settings=SETTINGS,
    checks=(check_metrics,),
    metrics=("infra_core.metrics.definitions",),
)
