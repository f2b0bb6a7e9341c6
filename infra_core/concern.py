"""The general concern: the INFRA_CORE dict itself, declared settings, trusted proxies."""

from __future__ import annotations

from infra_core import conf
from infra_core.concerns import Concern, check_declared_settings
from infra_core.net import TRUSTED_PROXIES
from infra_core.system_checks import check_settings_dict

CONCERN = Concern(
    "general",
    settings=(TRUSTED_PROXIES,),
    checks=(check_settings_dict, check_declared_settings),
    resets=(conf.reset_cache,),
)
