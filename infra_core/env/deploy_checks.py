"""Deployment checks (``manage.py check --deploy``): infra_core.E710-W719, Celery in deploy_celery.

Django's own deploy checks warn about DEBUG, SECRET_KEY and ALLOWED_HOSTS (security.W018, W009,
W020); warnings do not fail ``check --deploy``, these errors do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.env.conf import ENV_SCHEMA
from infra_core.health.conf import HEALTH_TOKEN
from infra_core.metrics.conf import METRICS_ALLOW_STAFF, METRICS_ALLOWED_IPS, METRICS_TOKEN

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE = 5
KEY_HINT = (
    'Read it from the environment (a secret Var with min_length=50); generate one with python -c '
    '"import secrets; print(secrets.token_urlsafe(50))".'
)


def check_debug(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """DEBUG is off."""
    if not settings.DEBUG:
        return []
    return [
        checks.Error(
            "DEBUG = True in a deployment: tracebacks, settings and SQL reach clients.",
            hint="Set DEBUG=false in the environment of every deployed process.",
            id="infra_core.E710",
        )
    ]


def _schema_default(name: str) -> Any:
    if ENV_SCHEMA.problem() is not None or ENV_SCHEMA.value is None:
        return None
    var = ENV_SCHEMA.value.variables.get(name)
    return None if var is None else var.default


def check_secret_key(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """SECRET_KEY is long, varied, not Django's insecure one and not the schema's default."""
    key = str(getattr(settings, "SECRET_KEY", "") or "")
    problem = ""
    if key and key == _schema_default("SECRET_KEY"):
        problem = "is the development default declared in the env schema"
    elif key.startswith("django-insecure-"):
        problem = "starts with 'django-insecure-' (startproject's throwaway key)"
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        problem = f"is {len(key)} characters long (needs {MIN_SECRET_KEY_LENGTH} or more)"
    elif len(set(key)) < MIN_SECRET_KEY_UNIQUE:
        problem = f"has fewer than {MIN_SECRET_KEY_UNIQUE} different characters"
    if not problem:
        return []
    return [
        checks.Error(
            f"SECRET_KEY {problem}: sessions, password resets and signed values can be forged.",
            hint=KEY_HINT,
            id="infra_core.E711",
        )
    ]


def check_allowed_hosts(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """ALLOWED_HOSTS names the site's hosts (empty errors, a wildcard warns)."""
    hosts = list(getattr(settings, "ALLOWED_HOSTS", []) or [])
    hint = "Set ALLOWED_HOSTS from the environment, e.g. ALLOWED_HOSTS=example.com,www.example.com."
    if not hosts:
        return [
            checks.Error(
                "ALLOWED_HOSTS is empty: with DEBUG off every request is answered 400.",
                hint=hint,
                id="infra_core.E712",
            )
        ]
    if "*" in hosts:
        return [
            checks.Warning(
                f"ALLOWED_HOSTS = {hosts!r} accepts any Host header: password-reset links and "
                "absolute URLs can point at an attacker's host.",
                hint=hint,
                id="infra_core.W713",
            )
        ]
    return []


def check_ratelimit_cache(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Rate limits in use count in a shared cache: infra_core.W205, as an error in deployment."""
    from infra_core.ratelimit.system_checks import check_ratelimit

    found = [m for m in check_ratelimit() if m.id == "infra_core.W205"]
    return [
        checks.Error(
            f"{m.msg} (infra_core.W205, an error in deployment even where W205 is silenced)",
            hint=m.hint,
            id="infra_core.E714",
        )
        for m in found
    ]


def check_metrics_access(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """/metrics is scrapable by Prometheus through a token or an IP allowlist (never open)."""
    # Raw values: an invalid one is the settings check's error (E340-E342), never a raise here.
    if METRICS_TOKEN.raw() or METRICS_ALLOWED_IPS.raw():
        return []
    who = "staff sessions" if METRICS_ALLOW_STAFF.raw() is not False else "nobody"
    return [
        checks.Warning(
            f"/metrics has no METRICS_TOKEN and no METRICS_ALLOWED_IPS: only {who} can read it, "
            "so Prometheus cannot scrape it.",
            hint="Set INFRA_CORE['METRICS_TOKEN'] from a secret environment variable (>= 16 "
            "characters), or METRICS_ALLOWED_IPS to your Prometheus servers' CIDRs.",
            id="infra_core.W715",
        )
    ]


def check_sentry_dsn(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Errors reach Sentry: a client is initialised with a DSN."""
    try:
        import sentry_sdk
    except ImportError:
        active = False
    else:
        active = sentry_sdk.get_client().is_active()
    if active:
        return []
    return [
        checks.Warning(
            "Sentry is not initialised (no SENTRY_DSN): unhandled errors reach only the logs.",
            hint="Set SENTRY_DSN in the environment and call infra_core.sentry.init_sentry() "
            "in your settings module.",
            id="infra_core.W716",
        )
    ]


def check_health_token(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Monitoring can read /health/ detail with HEALTH_TOKEN."""
    if HEALTH_TOKEN.raw():
        return []
    return [
        checks.Warning(
            "INFRA_CORE['HEALTH_TOKEN'] is not set: /health/ shows per-check detail to staff "
            "sessions only, so monitoring sees the overall status alone.",
            hint="Set HEALTH_TOKEN from a secret environment variable (>= 16 characters) and "
            'send "Authorization: Bearer <token>" from your monitoring.',
            id="infra_core.W719",
        )
    ]
