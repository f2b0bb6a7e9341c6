"""The logging concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.logging import receivers
from infra_core.logging.conf import SETTINGS
from infra_core.logging.system_checks import check_logging

CONCERN = Concern(
    "logging", settings=SETTINGS, checks=(check_logging,), receivers=(receivers.connect,)
)
