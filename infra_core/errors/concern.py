"""The errors concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.errors.conf import SETTINGS
from infra_core.errors.system_checks import check_errors

CONCERN = Concern("errors", settings=SETTINGS, checks=(check_errors,))
