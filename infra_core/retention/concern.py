"""The retention concern: its settings, its policy checks and its metrics."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.retention.conf import SETTINGS
from infra_core.retention.system_checks import check_policies

CONCERN = Concern(
    "retention",
    settings=SETTINGS,
    checks=(check_policies,),
    metrics=("infra_core.retention.metrics",),
)
