"""System checks infra_core.E201-E214."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit import decorators, rate_limit
from infra_core.ratelimit.concern import CONCERN
from infra_core.redis.concern import CONCERN as REDIS
from tests.ratelimit import views  # noqa: F401 - register its decorators before DECLARED is cleared


def check_ratelimit() -> list[Any]:
    """The rate-limit concern's messages and the shared Redis helper's (E210)."""
    return [*CONCERN.run_checks(), *REDIS.run_checks()]


@pytest.fixture(autouse=True)
def no_declared_scopes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no decorated view known, whatever other tests imported."""
    monkeypatch.setattr(decorators, "DECLARED", {})


def _ids(settings: SettingsWrapper, **infra: Any) -> list[str]:
    settings.INFRA_CORE = {"RATELIMIT_RATES": {"api": "100/m"}, **infra}
    return [m.id for m in check_ratelimit()]


def test_check_ratelimit_defaults_are_clean(settings: SettingsWrapper) -> None:
    assert _ids(settings) == []


def test_check_ratelimit_seed_plans_are_clean(settings: SettingsWrapper) -> None:
    rates = {"chat": {"basic": "10/m", "pro": "50/m", "enterprise": None}, "api": "100/m"}
    assert _ids(settings, RATELIMIT_RATES=rates) == []


def test_check_ratelimit_bad_rate_names_scope_plan_and_value(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_RATES": {"chat": {"basic": "10/minute"}}}
    (message,) = check_ratelimit()
    assert message.id == "infra_core.E202"
    assert "RATELIMIT_RATES['chat']['basic']" in message.msg
    assert "'10/minute'" in message.msg
    assert "100/m" in str(message.hint)


def test_check_ratelimit_plan_dict_without_default_plan_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_RATES={"chat": {"pro": "50/m"}}) == ["infra_core.E202"]


def test_check_ratelimit_rates_not_dict_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_RATES=["100/m"]) == ["infra_core.E202"]


def test_check_ratelimit_empty_default_plan_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_DEFAULT_PLAN="") == ["infra_core.E201"]


def test_check_ratelimit_huge_limit_warns(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_RATES={"api": "50000/m"}) == ["infra_core.W203"]


def test_check_ratelimit_unknown_cache_alias_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_CACHE="nope") == ["infra_core.E204"]


def test_check_ratelimit_locmem_cache_warns_per_process(settings: SettingsWrapper) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.RateLimitMiddleware"]
    assert _ids(settings, RATELIMIT_CACHE="local") == ["infra_core.W205"]


def test_check_ratelimit_locmem_cache_is_quiet_when_nothing_limits(
    settings: SettingsWrapper,
) -> None:
    # A project that installs infra_core for logging only must pass `check` cleanly.
    assert _ids(settings, RATELIMIT_CACHE="local") == []


def test_check_ratelimit_locmem_cache_warns_once_a_view_is_decorated(
    settings: SettingsWrapper,
) -> None:
    rate_limit("api")(lambda request: None)
    assert _ids(settings, RATELIMIT_CACHE="local") == ["infra_core.W205"]


def test_check_ratelimit_imports_the_urlconf_before_looking_for_decorated_views(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Django runs registered checks in set order: the URL check (which imports the views) may
    # come after this one. The rate-limit check imports the URLconf itself, so W205 is stable.
    monkeypatch.delitem(sys.modules, "tests.ratelimit.urls_checks", raising=False)
    settings.ROOT_URLCONF = "tests.ratelimit.urls_checks"
    assert _ids(settings, RATELIMIT_CACHE="local") == ["infra_core.W205"]
    assert decorators.DECLARED == {"api": "tests.ratelimit.urls_checks.limited"}


def test_check_ratelimit_with_a_urlconf_that_does_not_import_still_reports(
    settings: SettingsWrapper,
) -> None:
    # A broken URLconf is Django's urls.E00x; the rate-limit check must still run, not raise.
    settings.ROOT_URLCONF = "tests.ratelimit.no_such_urlconf"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.RateLimitMiddleware"]
    assert _ids(settings, RATELIMIT_CACHE="local") == ["infra_core.W205"]


def test_check_ratelimit_decorated_scope_missing_from_rates_errors(
    settings: SettingsWrapper,
) -> None:
    def checkout(request: Any) -> None:
        return None

    rate_limit("checkout")(checkout)
    (message,) = [m for m in check_ratelimit() if m.id == "infra_core.E212"] or [None]
    assert message is not None
    assert "'checkout'" in message.msg
    assert "checkout" in str(message.obj)
    assert "RATELIMIT_RATES']['checkout']" in str(message.hint)


def test_check_ratelimit_decorated_scope_with_explicit_rate_needs_no_entry(
    settings: SettingsWrapper,
) -> None:
    rate_limit("checkout", rate="5/m")(lambda request: None)
    assert _ids(settings) == []


def test_check_ratelimit_resolver_that_does_not_import_errors(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_PLAN_RESOLVER": "tests.nowhere.resolver"}
    (message,) = check_ratelimit()
    assert message.id == "infra_core.E206"
    assert "tests.nowhere.resolver" in message.msg


def test_check_ratelimit_importable_resolver_is_clean(settings: SettingsWrapper) -> None:
    resolver = "tests.ratelimit.views.plan_from_username"
    assert _ids(settings, RATELIMIT_PLAN_RESOLVER=resolver) == []


@pytest.mark.parametrize(
    "rule",
    [
        {"path": "/api/"},
        {"path": "/api/", "scope": "api", "key": "cookie"},
        {"path": "/api/", "scope": "api", "key": "header:"},
        {"path": "/api/", "scope": "api", "key": "tests.nowhere.key"},
        {"scope": "api"},
        "api",
    ],
)
def test_check_ratelimit_bad_rule_errors(settings: SettingsWrapper, rule: Any) -> None:
    assert _ids(settings, RATELIMIT_RULES=[rule]) == ["infra_core.E207"]


def test_check_ratelimit_dotted_key_callable_is_clean(settings: SettingsWrapper) -> None:
    rule = {"url_name": "x", "scope": "api", "key": "tests.ratelimit.views.tenant_key"}
    assert _ids(settings, RATELIMIT_RULES=[rule]) == []


def test_check_ratelimit_rule_scope_without_rate_errors(settings: SettingsWrapper) -> None:
    rule = {"path": "/chat/", "scope": "chat"}
    assert _ids(settings, RATELIMIT_RULES=[rule]) == ["infra_core.E207"]


def test_check_ratelimit_bad_default_rule_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_DEFAULT_RULE={"key": "ip"}) == ["infra_core.E207"]


def test_check_ratelimit_non_bool_fail_open_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_FAIL_OPEN="yes") == ["infra_core.E208"]


def test_check_ratelimit_bad_scope_policy_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_SCOPE_FAIL_OPEN={"upload": "closed"}) == ["infra_core.E208"]


def test_check_ratelimit_non_bool_record_violations_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_RECORD_VIOLATIONS="yes") == ["infra_core.E213"]


def test_check_ratelimit_relative_exempt_path_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_EXEMPT_PATHS=["static/"]) == ["infra_core.E209"]


@pytest.mark.parametrize(
    ("key", "value"),
    [("REDIS_SOCKET_TIMEOUT", 0), ("REDIS_BREAKER_FAILURES", 1.5), ("REDIS_BREAKER_COOLDOWN", "5")],
)
def test_check_ratelimit_bad_redis_helper_value_errors(
    settings: SettingsWrapper, key: str, value: Any
) -> None:
    assert _ids(settings, **{key: value}) == ["infra_core.E210"]


def test_check_ratelimit_middleware_before_auth_warns(settings: SettingsWrapper) -> None:
    settings.MIDDLEWARE = [
        "infra_core.middleware.RequestIDMiddleware",
        "infra_core.middleware.RateLimitMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    assert _ids(settings) == ["infra_core.W211"]


def test_check_ratelimit_middleware_after_auth_is_clean(settings: SettingsWrapper) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.RateLimitMiddleware"]
    assert _ids(settings) == []


def test_check_ratelimit_counter_algorithm_is_clean(settings: SettingsWrapper) -> None:
    overrides = {"upload": "log"}
    assert _ids(settings, RATELIMIT_ALGORITHM="counter", RATELIMIT_SCOPE_ALGORITHM=overrides) == []


def test_check_ratelimit_unknown_algorithm_errors_with_value(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {"RATELIMIT_RATES": {"api": "100/m"}, "RATELIMIT_ALGORITHM": "gcra"}
    (message,) = check_ratelimit()
    assert message.id == "infra_core.E214"
    assert "RATELIMIT_ALGORITHM" in message.msg and "'gcra'" in message.msg
    assert '"counter"' in str(message.hint)


def test_check_ratelimit_bad_scope_algorithm_names_the_scope(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {
        "RATELIMIT_RATES": {"api": "100/m"},
        "RATELIMIT_SCOPE_ALGORITHM": {"api": "counter", "upload": "Counter"},
    }
    (message,) = check_ratelimit()
    assert message.id == "infra_core.E214"
    assert "['upload']" in message.msg and "'Counter'" in message.msg


def test_check_ratelimit_scope_algorithm_not_dict_errors(settings: SettingsWrapper) -> None:
    assert _ids(settings, RATELIMIT_SCOPE_ALGORITHM=["counter"]) == ["infra_core.E214"]


def test_check_ratelimit_huge_limit_on_counter_scope_is_silent(settings: SettingsWrapper) -> None:
    rates = {"api": "50000/m", "upload": "50000/m"}
    overrides = {"upload": "counter"}
    assert _ids(settings, RATELIMIT_RATES=rates, RATELIMIT_SCOPE_ALGORITHM=overrides) == [
        "infra_core.W203"
    ]
    assert _ids(settings, RATELIMIT_RATES=rates, RATELIMIT_ALGORITHM="counter") == []
