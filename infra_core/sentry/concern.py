"""The Sentry concern, registered by ``InfraCoreConfig.ready()`` (configured by init_sentry)."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.sentry.system_checks import check_sentry

CONCERN = Concern("sentry", checks=(check_sentry,))
