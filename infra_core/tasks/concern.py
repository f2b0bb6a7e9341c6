"""The tasks and dead-letter-queue concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.tasks.conf import SETTINGS
from infra_core.tasks.lost import check_lost_tasks
from infra_core.tasks.receivers import connect
from infra_core.tasks.system_checks import check_tasks

CONCERN = Concern(
    "tasks",
    settings=SETTINGS,
    checks=(check_tasks, check_lost_tasks),
    receivers=(connect,),
    collectors=("infra_core.tasks.metrics.PENDING",),
)
