"""The one client-IP resolver: REMOTE_ADDR unless the peer is a trusted proxy."""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.http import HttpRequest

from infra_core.conf import Setting, SettingError
from infra_core.parsers import strings

logger = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_warned_untrusted_forwarding = False


@lru_cache(maxsize=16)
def parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Parse CIDR strings into networks; raise ValueError naming the first bad entry."""
    nets: list[IPNetwork] = []
    for cidr in cidrs:
        try:
            nets.append(ipaddress.ip_network(str(cidr).strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{cidr!r} is not an IP address or CIDR network ({exc})") from None
    return tuple(nets)


def networks(value: object) -> tuple[IPNetwork, ...]:
    """Parse a settings list of CIDRs (a Setting parser)."""
    try:
        return parse_networks(strings(value))
    except ValueError as exc:
        if isinstance(exc, SettingError):
            raise
        raise SettingError(f"contains a bad entry: {exc}") from None


CIDR_HINT = 'Use CIDRs, e.g. ["10.0.0.0/8", "127.0.0.1"].'
TRUSTED_PROXIES: Setting[tuple[IPNetwork, ...]] = Setting(
    "TRUSTED_PROXIES",
    [],
    networks,
    "CIDRs of reverse proxies whose X-Forwarded-For entries are trusted. Empty: use REMOTE_ADDR.",
    "infra_core.E001",
    CIDR_HINT,
)


@lru_cache(maxsize=4096)
def parse_ip(value: str) -> IPAddress | None:
    """Parse one address as found in REMOTE_ADDR or X-Forwarded-For; None if it is not one."""
    text = value.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:5123"
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # IPv6 zone id
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


@lru_cache(maxsize=4096)
def normal_ip(value: str) -> str | None:
    """Return ``value`` parsed and formatted back (``str(parse_ip(value))``), or None."""
    addr = parse_ip(value)
    return None if addr is None else str(addr)


def _trusted(addr: IPAddress, nets: tuple[IPNetwork, ...]) -> bool:
    return any(addr.version == net.version and addr in net for net in nets)


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's IP as a normalised string, or None if REMOTE_ADDR is unusable.

    X-Forwarded-For is read only when the direct peer is in ``TRUSTED_PROXIES``; it is walked
    right to left past trusted hops, so entries a client prepends never win.
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    nets = TRUSTED_PROXIES.value
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not nets:
        if forwarded:
            _warn_untrusted_forwarding()
        return normal_ip(remote)  # formatting an address costs ~0.5 µs: memoised
    peer = parse_ip(remote)
    if peer is None or not _trusted(peer, nets) or not forwarded:
        return str(peer) if peer is not None else None
    hops = [h for h in str(forwarded).split(",") if h.strip()]
    candidate: IPAddress = peer
    for hop in reversed(hops):
        addr = parse_ip(hop)
        if addr is None:
            break  # garbage: stop at the last address we could trust the origin of
        candidate = addr
        if not _trusted(addr, nets):
            break
    return str(candidate)


def _warn_untrusted_forwarding() -> None:
    global _warned_untrusted_forwarding
    if not _warned_untrusted_forwarding:
        _warned_untrusted_forwarding = True
        logger.warning(
            "X-Forwarded-For received but INFRA_CORE['TRUSTED_PROXIES'] is empty: the header is "
            "ignored and REMOTE_ADDR is used. List your proxies' CIDRs if you are behind one."
        )
