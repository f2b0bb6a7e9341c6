"""Build sentry-sdk options from the environment and initialise it with infra_core's filters.

Call ``init_sentry()`` from your settings module; it reads only ``os.environ`` (Django settings
are not ready yet at that point) and does nothing when no DSN is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from infra_core.sentry.filters import Event, Hint, make_before_send

ENV_DSN = "SENTRY_DSN"
ENV_ENVIRONMENT = "SENTRY_ENVIRONMENT"
ENV_RELEASE = "SENTRY_RELEASE"
ENV_SAMPLE_RATE = "SENTRY_SAMPLE_RATE"
ENV_TRACES_SAMPLE_RATE = "SENTRY_TRACES_SAMPLE_RATE"
IGNORED_LOGGERS = ("infra_core.access",)


def _rate(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}={raw!r} is not a sample rate; use a number from 0.0 to 1.0.")
    return value


def _integrations() -> list[Any]:
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    found: list[Any] = [
        DjangoIntegration(transaction_style="url", middleware_spans=False),
        LoggingIntegration(),  # breadcrumbs from INFO, events from ERROR records
    ]
    try:
        from sentry_sdk.integrations.celery import CeleryIntegration
    except Exception:  # noqa: S110 - celery not installed: nothing to integrate
        pass
    else:
        found.append(CeleryIntegration())
    return found


def sentry_options(
    env: Mapping[str, str] | None = None,
    *,
    redact_keys: tuple[str, ...] = (),
    before_send: Callable[[Event, Hint], Event | None] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Return the keyword arguments ``init_sentry`` passes to ``sentry_sdk.init``."""
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    source = os.environ if env is None else env
    keys = tuple(k.lower() for k in redact_keys)
    options: dict[str, Any] = {
        "dsn": source.get(ENV_DSN) or None,
        "environment": source.get(ENV_ENVIRONMENT) or None,
        "release": source.get(ENV_RELEASE) or None,
        "sample_rate": _rate(source, ENV_SAMPLE_RATE, 1.0),
        "traces_sample_rate": _rate(source, ENV_TRACES_SAMPLE_RATE, 0.0),
        # send_default_pii is left unset: unset means False, and sentry-sdk >= 2.7x deprecates
        # passing it (data_collection replaces it and would disable the event scrubber).
        # Frame locals hold secrets under innocent names (headers, creds); names cannot catch them.
        "include_local_variables": False,
        "max_request_body_size": "small",
        "event_scrubber": EventScrubber(
            recursive=True, denylist=[*DEFAULT_DENYLIST, "dsn", "api-key", *keys]
        ),
        "before_send": make_before_send(keys, before_send),
        "integrations": _integrations(),
    }
    options.update(overrides)
    return options


def init_sentry(
    env: Mapping[str, str] | None = None,
    *,
    redact_keys: tuple[str, ...] = (),
    before_send: Callable[[Event, Hint], Event | None] | None = None,
    **overrides: Any,
) -> bool:
    """Initialise sentry-sdk from SENTRY_* variables; return False (and do nothing) without a DSN.

    ``before_send`` runs after infra_core's filter; ``overrides`` go to ``sentry_sdk.init`` as is.
    """
    options = sentry_options(env, redact_keys=redact_keys, before_send=before_send, **overrides)
    if not options["dsn"]:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.logging import ignore_logger

    # A 500 already reaches Sentry as the exception; its ERROR access line would be a duplicate.
    for name in IGNORED_LOGGERS:
        ignore_logger(name)
    sentry_sdk.init(**options)
    return True
