"""The rate-limiting concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.ratelimit.conf import SETTINGS
from infra_core.ratelimit.decision import forget_targets
from infra_core.ratelimit.system_checks import check_ratelimit

CONCERN = Concern(
    "ratelimit",
    settings=SETTINGS,
    checks=(check_ratelimit,),
    resets=(forget_targets,),
)
