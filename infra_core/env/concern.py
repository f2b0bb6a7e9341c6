"""The env concern: ENV_SCHEMA, its checks and the deployment checks (infra_core.E7xx/W7xx)."""

from __future__ import annotations

from infra_core.concerns import Concern
from infra_core.env import deploy_celery, deploy_checks
from infra_core.env.conf import ENV_SCHEMA
from infra_core.env.system_checks import check_env

DEPLOY_CHECKS = (
    deploy_checks.check_debug,
    deploy_checks.check_secret_key,
    deploy_checks.check_allowed_hosts,
    deploy_checks.check_ratelimit_cache,
    deploy_checks.check_metrics_access,
    deploy_checks.check_sentry_dsn,
    deploy_celery.check_acks_late,
    deploy_celery.check_time_limits,
    deploy_checks.check_health_token,
)


CONCERN = Concern(
    "env",
    settings=(ENV_SCHEMA,),
    checks=(check_env,),
    deploy_checks=DEPLOY_CHECKS,
)
