"""The event-bus concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.events.conf import SETTINGS
from infra_core.events.system_checks import check_events

CONCERN = Concern(
    "events",
    settings=SETTINGS,
    checks=(check_events,),
    tasks=("infra_core.events.tasks",),
)
