"""Deployment checks infra_core.E710-W719 (Celery ones in test_deploy_celery.py): fire and quiet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.core import checks
from pytest_django.fixtures import Settings as SettingsWrapper
from sentry_sdk.transport import Transport

from infra_core.env import deploy_checks as d
from infra_core.env.concern import DEPLOY_CHECKS

GOOD_KEY = "Zq8v-" * 12
TOKEN = "t0ken-" * 4
RATELIMITED = {
    "RATELIMIT_RATES": {"api": "10/m"},
    "RATELIMIT_RULES": [{"path": "/api/", "scope": "api"}],
}


def _ids(messages: list[Any]) -> list[str]:
    return [m.id for m in messages]


def test_deploy_checks_are_registered_as_deployment_checks() -> None:
    registered = checks.registry.registry.get_checks(include_deployment_checks=True)
    ordinary = checks.registry.registry.get_checks(include_deployment_checks=False)
    assert all(f in registered and f not in ordinary for f in DEPLOY_CHECKS)


def test_deploy_debug_on_fires(settings: SettingsWrapper) -> None:
    settings.DEBUG = True
    assert _ids(d.check_debug()) == ["infra_core.E710"]


def test_deploy_debug_off_is_quiet(settings: SettingsWrapper) -> None:
    settings.DEBUG = False
    assert d.check_debug() == []


def test_deploy_short_secret_key_fires_without_showing_it(settings: SettingsWrapper) -> None:
    settings.SECRET_KEY = "short-but-secret"
    (message,) = d.check_secret_key()
    assert message.id == "infra_core.E711" and "short-but-secret" not in message.msg


def test_deploy_insecure_prefix_secret_key_fires(settings: SettingsWrapper) -> None:
    settings.SECRET_KEY = "django-insecure-" + GOOD_KEY
    assert _ids(d.check_secret_key()) == ["infra_core.E711"]


def test_deploy_schema_default_secret_key_fires(settings: SettingsWrapper) -> None:
    settings.SECRET_KEY = "d3v-" * 15
    settings.INFRA_CORE = {"ENV_SCHEMA": "tests.env.test_deploy_checks.DEV_DEFAULT_SCHEMA"}
    (message,) = d.check_secret_key()
    assert "development default" in message.msg


def test_deploy_long_secret_key_is_quiet(settings: SettingsWrapper) -> None:
    settings.SECRET_KEY = GOOD_KEY
    assert d.check_secret_key() == []


def test_deploy_empty_allowed_hosts_fires(settings: SettingsWrapper) -> None:
    settings.ALLOWED_HOSTS = []
    assert _ids(d.check_allowed_hosts()) == ["infra_core.E712"]


def test_deploy_wildcard_allowed_hosts_warns(settings: SettingsWrapper) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    assert _ids(d.check_allowed_hosts()) == ["infra_core.W713"]


def test_deploy_named_allowed_hosts_are_quiet(settings: SettingsWrapper) -> None:
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    assert d.check_allowed_hosts() == []


def test_deploy_per_process_ratelimit_cache_fires(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {**RATELIMITED, "RATELIMIT_CACHE": "local"}
    (message,) = d.check_ratelimit_cache()
    assert message.id == "infra_core.E714" and "infra_core.W205" in message.msg


def test_deploy_redis_ratelimit_cache_is_quiet(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {**RATELIMITED, "RATELIMIT_CACHE": "default"}
    assert d.check_ratelimit_cache() == []


def test_deploy_metrics_without_token_or_ips_fires(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {}
    assert _ids(d.check_metrics_access()) == ["infra_core.W715"]


def test_deploy_metrics_with_token_is_quiet(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    assert d.check_metrics_access() == []


def test_deploy_metrics_with_allowed_ips_is_quiet(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"METRICS_ALLOWED_IPS": ["10.0.5.0/24"]}
    assert d.check_metrics_access() == []


def test_deploy_health_without_token_fires(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {}
    assert _ids(d.check_health_token()) == ["infra_core.W719"]


def test_deploy_health_with_token_is_quiet(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"HEALTH_TOKEN": TOKEN}
    assert d.check_health_token() == []


class _DropTransport(Transport):
    def capture_envelope(self, envelope: Any) -> None:
        pass


@pytest.fixture
def sentry_client() -> Iterator[None]:
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=_DropTransport())
    try:
        yield
    finally:
        sentry_sdk.get_client().close(timeout=2)
        sentry_sdk.get_global_scope().set_client(None)


def test_deploy_sentry_without_dsn_warns() -> None:
    sentry_sdk.get_global_scope().set_client(None)
    assert _ids(d.check_sentry_dsn()) == ["infra_core.W716"]


@pytest.mark.usefixtures("sentry_client")
def test_deploy_sentry_with_dsn_is_quiet() -> None:
    assert d.check_sentry_dsn() == []


from infra_core.env import EnvSchema, Var  # noqa: E402

DEV_DEFAULT_SCHEMA = EnvSchema(SECRET_KEY=Var(str, default="d3v-" * 15, secret=True))
