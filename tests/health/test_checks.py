from __future__ import annotations

from typing import Any

import pytest

from infra_core.health.concern import CONCERN
from tests.health.checks_for_tests import spec


def ids(settings: Any, **infra: Any) -> list[str]:
    settings.INFRA_CORE = infra
    return [m.id for m in CONCERN.run_checks()]


def test_check_health_defaults_are_clean(settings) -> None:
    assert ids(settings) == []


@pytest.mark.parametrize(
    ("infra", "check_id"),
    [
        ({"HEALTH_CHECKS": ["nope.Nope"]}, "infra_core.E300"),
        ({"HEALTH_TIMEOUT": 0}, "infra_core.E301"),
        ({"HEALTH_CHECK_TIMEOUT": "1"}, "infra_core.E301"),
        ({"HEALTH_CACHE_SECONDS": -1}, "infra_core.E302"),
        ({"HEALTH_TOKEN": "short"}, "infra_core.E303"),
        ({"HEALTH_ALLOW_STAFF": "yes"}, "infra_core.E304"),
        ({"HEALTH_STATUS_CODES": {"degraded": 99}}, "infra_core.E305"),
        ({"HEALTH_STATUS_CODES": {"sick": 503}}, "infra_core.E305"),
        ({"HEALTH_DRAIN_SECONDS": None}, "infra_core.E306"),
        ({"HEALTH_MAX_WORKERS": 0}, "infra_core.E307"),
        ({"HEALTH_VERSION": 3}, "infra_core.E308"),
        (
            {"HEALTH_CHECKS": [spec("CountingCheck", timeout=5)], "HEALTH_TIMEOUT": 2},
            "infra_core.W300",
        ),
    ],
)
def test_check_health_bad_value_reports_id(settings, infra: dict[str, Any], check_id: str) -> None:
    assert check_id in ids(settings, **infra)


def test_check_health_error_names_offending_entry(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": ["nope.Nope"]}
    [message] = CONCERN.run_checks()
    assert "nope.Nope" in message.msg and message.hint


def test_check_health_token_message_never_shows_token(settings) -> None:
    settings.INFRA_CORE = {"HEALTH_TOKEN": "s3cr3t"}
    [message] = CONCERN.run_checks()
    assert "s3cr3t" not in message.msg


# The check only reads DATABASES; no connection to the fake alias is ever opened.
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_check_health_postgres_without_connect_timeout_warns(settings) -> None:
    settings.DATABASES = {
        **settings.DATABASES,
        "pg": {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "HOST": "127.0.0.1"},
    }
    assert "infra_core.W301" in ids(
        settings,
        HEALTH_CHECKS=[
            {"check": "infra_core.health.probes.DatabaseCheck", "options": {"alias": "pg"}}
        ],
    )


def test_check_health_redis_cache_without_socket_timeout_warns(settings) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "bare": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    assert "infra_core.W302" in ids(
        settings,
        HEALTH_CHECKS=[
            {"check": "infra_core.health.probes.RedisCheck", "options": {"alias": "bare"}}
        ],
    )


def test_check_health_record_transitions_not_bool_is_e309(settings) -> None:
    assert "infra_core.E309" in ids(settings, HEALTH_RECORD_TRANSITIONS="yes")
