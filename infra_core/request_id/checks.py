"""Checks for the request id (1xx)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.checks import not_a_bool
from infra_core.conf import DEFAULTS, user_settings

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")  # RFC 9110 field-name
MIDDLEWARE_PATH = "infra_core.middleware.RequestIDMiddleware"


def check_request_id(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """The header name is valid, the trust flag is a bool, the middleware comes first."""
    messages: list[Any] = []
    conf = user_settings()
    header = conf.get("REQUEST_ID_HEADER", DEFAULTS["REQUEST_ID_HEADER"])
    if not isinstance(header, str) or not _TOKEN.match(header):
        messages.append(
            checks.Error(
                f"INFRA_CORE['REQUEST_ID_HEADER'] = {header!r} is not a valid HTTP header name.",
                hint='Use letters, digits and dashes, e.g. "X-Request-ID".',
                id="infra_core.E101",
            )
        )
    messages += not_a_bool(
        "REQUEST_ID_TRUST_INCOMING",
        conf.get("REQUEST_ID_TRUST_INCOMING", DEFAULTS["REQUEST_ID_TRUST_INCOMING"]),
        "infra_core.E102",
        hint="Use True (accept well-formed incoming ids) or False (always generate).",
    )
    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if MIDDLEWARE_PATH in middleware and middleware.index(MIDDLEWARE_PATH) != 0:
        messages.append(
            checks.Warning(
                f"{MIDDLEWARE_PATH} is at position {middleware.index(MIDDLEWARE_PATH)} "
                "in MIDDLEWARE; log lines from the middleware before it carry no request id.",
                hint="Move it to the top of MIDDLEWARE.",
                id="infra_core.W101",
            )
        )
    return messages
