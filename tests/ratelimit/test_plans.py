"""Plan tiers: per-user plans through a resolver, default plan, unlimited plans."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core import context
from infra_core.ratelimit.plans import rate_for, resolve_plan
from infra_core.ratelimit.rates import Rate

pytestmark = [pytest.mark.urls("tests.ratelimit.urls"), pytest.mark.django_db]
RATES = {"chat": {"basic": "2/m", "pro": "4/m", "enterprise": None}}


@pytest.fixture(autouse=True)
def _plans(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {
        "RATELIMIT_RATES": RATES,
        "RATELIMIT_PLAN_RESOLVER": "tests.ratelimit.views.plan_from_username",
    }


def _user_client(plan: str | None) -> Client:
    name = f"{plan}_{uuid.uuid4().hex[:8]}" if plan else uuid.uuid4().hex[:8]
    client = Client()
    client.force_login(User.objects.create_user(username=name))
    return client


def _allowed(client: Client, n: int) -> int:
    return sum(client.get("/chat/").status_code == 200 for _ in range(n))


def test_plan_basic_user_gets_basic_rate() -> None:
    assert _allowed(_user_client("basic"), 6) == 2


def test_plan_pro_user_gets_pro_rate() -> None:
    assert _allowed(_user_client("pro"), 6) == 4


def test_plan_enterprise_user_is_unlimited_without_headers() -> None:
    client = _user_client("enterprise")
    responses = [client.get("/chat/") for _ in range(6)]
    assert all(r.status_code == 200 and "X-RateLimit-Limit" not in r for r in responses)


def test_plan_user_without_plan_gets_default_plan_rate() -> None:
    assert _allowed(_user_client(None), 6) == 2


def test_plan_unknown_plan_falls_back_to_default_plan_rate() -> None:
    assert _allowed(_user_client("gold"), 6) == 2


def test_plan_users_on_one_plan_have_separate_budgets() -> None:
    first, second = _user_client("basic"), _user_client("basic")
    _allowed(first, 3)
    assert _allowed(second, 1) == 1


def test_rate_for_unknown_scope_raises_naming_it() -> None:
    with pytest.raises(LookupError, match="'upload'"):
        rate_for("upload", "basic", RATES, "basic")


def test_rate_for_single_rate_applies_to_every_plan() -> None:
    assert rate_for("api", "pro", {"api": "100/m"}, "basic") == Rate(100, 60)


def test_default_resolver_reads_context_plan(settings: SettingsWrapper) -> None:
    settings.INFRA_CORE = {}
    request = RequestFactory().get("/")
    with context.bind(plan="pro"):
        assert resolve_plan(request) == "pro"
