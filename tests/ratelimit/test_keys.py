"""Keys: client IP through the trusted-proxy resolver (spoofing), IPv6 /64, user, header."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.ratelimit.keys import identity, key_func

pytestmark = pytest.mark.urls("tests.ratelimit.urls")


def test_ip_key_spoofed_forwarded_for_without_trusted_proxy_keeps_key(
    client: Client, client_ip_addr: str
) -> None:
    first = client.get("/byip/", REMOTE_ADDR=client_ip_addr, HTTP_X_FORWARDED_FOR="1.1.1.1")
    second = client.get("/byip/", REMOTE_ADDR=client_ip_addr, HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert (first.status_code, second.status_code) == (200, 429)


def test_ip_key_with_trusted_proxy_uses_right_hop(
    rf: RequestFactory, settings: SettingsWrapper
) -> None:
    settings.INFRA_CORE = {"TRUSTED_PROXIES": ["10.0.0.0/8"]}
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert identity("ip", request) == "ip:203.0.113.9"


def test_ip_key_with_trusted_proxy_ignores_prepended_spoof(
    client: Client, settings: SettingsWrapper, client_ip_addr: str
) -> None:
    settings.INFRA_CORE = {"TRUSTED_PROXIES": ["10.0.0.0/8"]}
    first = client.get(
        "/byip/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"1.1.1.1, {client_ip_addr}"
    )
    second = client.get(
        "/byip/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"9.9.9.9, {client_ip_addr}"
    )
    assert (first.status_code, second.status_code) == (200, 429)


def test_ip_key_ipv6_clients_grouped_by_64(rf: RequestFactory) -> None:
    a = rf.get("/", REMOTE_ADDR="2001:db8:1:2::1")
    b = rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert identity("ip", a) == identity("ip", b) == "ip:2001:db8:1:2::/64"


def test_user_key_anonymous_is_not_limited(rf: RequestFactory) -> None:
    request = rf.get("/")
    request.user = AnonymousUser()
    assert identity("user", request) is None


def test_user_or_ip_key_anonymous_falls_back_to_ip(rf: RequestFactory) -> None:
    request = rf.get("/", REMOTE_ADDR="203.0.113.4")
    request.user = AnonymousUser()
    assert identity("user_or_ip", request) == "ip:203.0.113.4"


def test_user_key_authenticated_uses_pk(rf: RequestFactory) -> None:
    request = rf.get("/")
    request.user = User(pk=42, username="x")
    assert identity("user_or_ip", request) == "user:42"


def test_header_key_long_value_is_hashed(rf: RequestFactory) -> None:
    request = rf.get("/", HTTP_X_API_KEY="k" * 500)
    ident = identity("header:X-Api-Key", request)
    assert ident is not None and ident.startswith("h:") and len(ident) < 64


def test_header_key_value_with_braces_is_hashed(rf: RequestFactory) -> None:
    request = rf.get("/", HTTP_X_API_KEY="a}b{c")
    assert identity("header:X-Api-Key", request) == identity("header:X-Api-Key", request)
    assert "{" not in str(identity("header:X-Api-Key", request))


def test_dotted_key_callable_is_used(rf: RequestFactory) -> None:
    request = rf.get("/?tenant=acme")
    assert identity("tests.ratelimit.views.tenant_key", request) == "acme"


@pytest.mark.parametrize("spec", ["cookie", "header:", "tests.nowhere.key", ""])
def test_key_func_bad_spec_raises_naming_it(spec: str) -> None:
    with pytest.raises(ValueError, match=repr(spec)):
        key_func(spec)
