"""The request-id concern, registered by ``InfraCoreConfig.ready()``."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.request_id.conf import SETTINGS
from infra_core.request_id.system_checks import check_request_id

CONCERN = Concern("request_id", settings=SETTINGS, checks=(check_request_id,))
