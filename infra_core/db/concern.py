"""The repository concern: its settings, checks and metrics, registered through the one hook."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.db.conf import SETTINGS
from infra_core.db.system_checks import check_retry_backoff

CONCERN = Concern(
    "db",
    settings=SETTINGS,
    checks=(check_retry_backoff,),
    metrics=("infra_core.db.metrics",),
)
