from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from infra_core.net import client_ip, parse_ip, parse_networks

rf = RequestFactory()


def _req(remote: str, xff: str | None = None) -> object:
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return rf.get("/", **extra)


def test_client_ip_no_trusted_proxies_ignores_spoofed_xff() -> None:
    assert client_ip(_req("198.51.100.9", "1.2.3.4")) == "198.51.100.9"


def test_client_ip_no_trusted_proxies_warns_once_about_forwarding(caplog) -> None:
    import infra_core.net as net

    net._warned_untrusted_forwarding = False
    with caplog.at_level("WARNING", logger="infra_core.net"):
        client_ip(_req("198.51.100.9", "1.2.3.4"))
        client_ip(_req("198.51.100.9", "1.2.3.4"))
    assert len([r for r in caplog.records if "TRUSTED_PROXIES" in r.getMessage()]) == 1


@override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["10.0.0.0/8"]})
def test_client_ip_trusted_proxy_uses_rightmost_untrusted_hop() -> None:
    # The client prepended a fake "6.6.6.6"; the proxy appended the real peer 203.0.113.5.
    assert client_ip(_req("10.0.0.2", "6.6.6.6, 203.0.113.5")) == "203.0.113.5"


@override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["10.0.0.0/8"]})
def test_client_ip_trusted_chain_walks_past_all_trusted_hops() -> None:
    assert client_ip(_req("10.0.0.2", "6.6.6.6, 203.0.113.5, 10.1.1.1, 10.2.2.2")) == "203.0.113.5"


@override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["10.0.0.0/8"]})
def test_client_ip_untrusted_peer_ignores_xff_even_with_proxies_configured() -> None:
    assert client_ip(_req("198.51.100.9", "203.0.113.5")) == "198.51.100.9"


@override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["10.0.0.0/8"]})
def test_client_ip_garbage_hop_stops_walk_at_last_trusted() -> None:
    assert client_ip(_req("10.0.0.2", "203.0.113.5, not-an-ip")) == "10.0.0.2"


@override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["10.0.0.0/8"]})
def test_client_ip_all_hops_trusted_returns_leftmost() -> None:
    assert client_ip(_req("10.0.0.2", "10.9.9.9, 10.1.1.1")) == "10.9.9.9"


@override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["::1", "fd00::/8"]})
def test_client_ip_ipv6_proxy_and_client_are_normalised() -> None:
    assert client_ip(_req("::1", "2001:DB8:0:0::1")) == "2001:db8::1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:5123", "203.0.113.7"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        (" 2001:0db8::0001 ", "2001:db8::1"),
        ("nonsense", None),
        ("", None),
    ],
)
def test_parse_ip_forms_normalise(raw: str, expected: str | None) -> None:
    parsed = parse_ip(raw)
    assert (str(parsed) if parsed is not None else None) == expected


def test_parse_networks_bad_entry_names_it() -> None:
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300/8'"):
        parse_networks(("10.0.0.0/8", "10.0.0.300/8"))


def test_client_ip_missing_remote_addr_returns_none() -> None:
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    assert client_ip(request) is None
