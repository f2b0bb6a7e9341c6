"""Checks for Sentry (7xx; infra_core takes 750-799 for Sentry, env validation the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks


def check_sentry(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """An active Sentry client uses infra_core's filter and sends no default PII."""
    try:
        import sentry_sdk
    except ImportError:
        return []
    client = sentry_sdk.get_client()
    if not client.is_active():
        return []
    messages: list[Any] = []
    before_send = client.options.get("before_send")
    if not getattr(before_send, "infra_core", False):
        messages.append(
            checks.Warning(
                f"Sentry is initialised with before_send={before_send!r}: 4xx errors are not "
                "dropped and nested secrets are not scrubbed.",
                hint="Call infra_core.sentry.init_sentry() instead of sentry_sdk.init(); pass "
                "your hook as init_sentry(before_send=...).",
                id="infra_core.W750",
            )
        )
    collection = client.options.get("data_collection")
    user_info = (
        isinstance(collection, dict)
        and collection.get("provided_by_user")
        and collection.get("user_info")
    )
    if client.options.get("send_default_pii") or user_info:
        messages.append(
            checks.Warning(
                "Sentry is initialised with send_default_pii=True (or data_collection with "
                "user_info): user emails, IPs and cookies are sent.",
                hint="Remove it; infra_core tags events with an opaque user id.",
                id="infra_core.W751",
            )
        )
    return messages
