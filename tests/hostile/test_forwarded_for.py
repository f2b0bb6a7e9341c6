"""X-Forwarded-For chains: ignored without TRUSTED_PROXIES, walked right to left with them.

Cases R-08, R-09, R-10, R-11 of the reliability catalogue (docs/reliability.md).
"""

from __future__ import annotations

import ipaddress

import pytest
from django.test import Client, RequestFactory, override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from infra_core.net import client_ip, normal_ip
from infra_core.ratelimit.keys import identity
from tests.conftest import JsonLogCapture
from tests.hostile.conftest import BOUNDED, HOSTILE_CHARS, QUICK, assert_clean_logs, reset

pytestmark = pytest.mark.django_db

PROXY = "10.9.8.7"
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
garbage_hop = st.one_of(
    st.sampled_from(["", "unknown", "1.2.3.4:80", "[::1]", "[2001:db8::1]:443", "fe80::1%eth0",
                     "_hidden", "999.1.1.1", "::ffff:203.0.113.9", " ", "a, b, c"]),
    st.text(alphabet="0123456789abcdef.:[]% " + HOSTILE_CHARS, max_size=40),
)  # fmt: skip
hop = st.one_of(ipv4, ipv6, garbage_hop)
chains = st.lists(hop, max_size=8).map(", ".join)
junk = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=200)
xff = st.one_of(chains, junk, st.just("x" * 6000))


def _expected_walk(chain: str, remote: str, trusted: list[ipaddress.IPv4Network]) -> str:
    """The documented rule: from the right, skip trusted hops; stop at the first untrusted."""
    candidate = remote
    for raw in reversed([h for h in chain.split(",") if h.strip()]):
        found = normal_ip(raw)
        if found is None:
            break
        candidate = found
        addr = ipaddress.ip_address(found)
        if not any(addr.version == n.version and addr in n for n in trusted):
            break
    return candidate


@BOUNDED
@given(forwarded=xff, remote=st.one_of(ipv4, ipv6))
@example(forwarded="1.2.3.4:80", remote="127.0.0.1")
@example(forwarded="x" * 6000, remote="127.0.0.1")
def test_without_trusted_proxies_the_header_is_ignored(forwarded: str, remote: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == normal_ip(remote)
    plain = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert identity("ip", request) == identity("ip", plain)  # one bucket whatever the header


@BOUNDED
@given(forwarded=xff, client=st.one_of(ipv4, ipv6))
@example(forwarded="203.0.113.50, 203.0.113.7", client="203.0.113.7")
@example(forwarded="unknown", client="203.0.113.7")
@example(forwarded="fe80::1%eth0", client="203.0.113.7")
def test_with_trusted_proxies_the_walk_stops_at_the_first_untrusted_hop(
    forwarded: str, client: str
) -> None:
    chain = f"{forwarded}, {client}, {PROXY}"
    with override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["10.0.0.0/8"]}):
        request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)
        found = client_ip(request)
        key = identity("ip", request)
    assert found == _expected_walk(chain, PROXY, [ipaddress.ip_network("10.0.0.0/8")])
    if ipaddress.ip_address(client) not in ipaddress.ip_network("10.0.0.0/8"):
        # What the client prepends never wins over the address our proxy appended.
        assert found == normal_ip(client)
    assert key is not None and len(key) <= 64


@QUICK
@given(forwarded=xff)
def test_an_untrusted_peer_cannot_forward(forwarded: str) -> None:
    with override_settings(INFRA_CORE={"TRUSTED_PROXIES": ["10.0.0.0/8"]}):
        request = RequestFactory().get(
            "/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR=forwarded
        )
        assert client_ip(request) == "198.51.100.4"


@given(suffix=st.integers(0, 2**64 - 1))
@QUICK
def test_ipv6_clients_of_one_64_share_a_bucket(suffix: int) -> None:
    base = int(ipaddress.ip_address("2001:db8:1:2::"))
    a = RequestFactory().get("/", REMOTE_ADDR=str(ipaddress.ip_address(base + suffix)))
    b = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::1")
    other = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert identity("ip", a) == identity("ip", b) != identity("ip", other)


@pytest.mark.parametrize("trusted", [[], ["127.0.0.0/8"]], ids=["untrusted", "trusted"])
@QUICK
@given(forwarded=xff)
def test_through_the_stack_no_500_and_clean_access_log(
    trusted: list[str], forwarded: str, client: Client, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    with override_settings(INFRA_CORE={"TRUSTED_PROXIES": trusted}):
        response = client.get("/ping/", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    records = assert_clean_logs(json_logs)
    access = [r for r in records if r.get("logger") == "infra_core.access"]
    assert access
    expected = (
        _expected_walk(forwarded, "127.0.0.1", [ipaddress.ip_network("127.0.0.0/8")])
        if trusted
        else "127.0.0.1"
    )
    assert access[-1]["client_ip"] == expected
