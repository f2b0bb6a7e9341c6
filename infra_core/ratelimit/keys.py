"""Who a limit counts: ``ip``, ``user``, ``user_or_ip``, ``header:<name>`` or a dotted path."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.http import HttpRequest
from django.utils.module_loading import import_string

from infra_core.net import client_ip

KeyFunc = Callable[[HttpRequest], "str | None"]
HINT = 'Use "ip", "user", "user_or_ip", "header:<Header-Name>" or a dotted path to a callable.'
# Identities longer than this are hashed: a header value must not make Redis keys unbounded.
_MAX_IDENT = 64


def ip_key(request: HttpRequest) -> str | None:
    """Return ``ip:<address>``; IPv6 clients are grouped by /64 (one host usually owns one)."""
    addr = client_ip(request)
    if addr is None:
        return None
    return f"ip:{_group(addr)}"


@lru_cache(maxsize=4096)
def _group(addr: str) -> str:
    parsed = ipaddress.ip_address(addr)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return addr


def user_key(request: HttpRequest) -> str | None:
    """Return ``user:<pk>`` for an authenticated user, else None (not limited by this key)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return f"user:{user.pk}"


def user_or_ip_key(request: HttpRequest) -> str | None:
    """Return the user key when authenticated, else the IP key."""
    return user_key(request) or ip_key(request)


def _header_key(name: str) -> KeyFunc:
    meta = "HTTP_" + name.upper().replace("-", "_")

    def header_key(request: HttpRequest) -> str | None:
        value = request.META.get(meta)
        return f"header:{name.lower()}:{value}" if value else None

    return header_key


_BUILTIN: dict[str, KeyFunc] = {"ip": ip_key, "user": user_key, "user_or_ip": user_or_ip_key}


@lru_cache(maxsize=128)
def key_func(spec: str) -> KeyFunc:
    """Return the key function for ``spec``; raise ValueError naming a bad spec."""
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"{spec!r} is not a rate-limit key")
    if spec in _BUILTIN:
        return _BUILTIN[spec]
    if spec.startswith("header:"):
        name = spec.split(":", 1)[1].strip()
        if not name:
            raise ValueError(f"{spec!r} names no header")
        return _header_key(name)
    if "." not in spec:
        raise ValueError(f"{spec!r} is not a known rate-limit key")
    try:
        func = import_string(spec)
    except ImportError as exc:
        raise ValueError(f"{spec!r} does not import ({exc})") from None
    if not callable(func):
        raise ValueError(f"{spec!r} is not callable")
    return func  # type: ignore[no-any-return]


def identity(spec: str, request: HttpRequest) -> str | None:
    """Return the bounded identity string of ``request`` under key ``spec`` (None: no limit)."""
    value = key_func(spec)(request)
    return None if value is None else bounded(str(value))


def digest(ident: str) -> str:
    """Return the stable short hash of an identity shown in logs and violation rows."""
    return hashlib.blake2b(ident.encode(), digest_size=6).hexdigest()


def bounded(text: str) -> str:
    """Return ``text`` as stored in keys: hashed if long, unprintable or containing braces."""
    if len(text) > _MAX_IDENT or not text.isprintable() or "{" in text or "}" in text:
        # Braces would break the Redis Cluster hash tag; long or odd values bloat keys and logs.
        text = "h:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return text
