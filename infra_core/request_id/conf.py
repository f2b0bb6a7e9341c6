"""Settings of the request id (1xx)."""

from __future__ import annotations

import re
from typing import Any

from infra_core.conf import Setting, SettingError
from infra_core.parsers import boolean

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")  # RFC 9110 field-name


def header_name(value: Any) -> str:
    """An HTTP header field name (RFC 9110 token)."""
    if not isinstance(value, str) or not _TOKEN.match(value):
        raise SettingError("is not a valid HTTP header name")
    return value


REQUEST_ID_HEADER: Setting[str] = Setting(
    "REQUEST_ID_HEADER",
    "X-Request-ID",
    header_name,
    "Header carrying the request/correlation id, in and out.",
    "infra_core.E101",
    'Use letters, digits and dashes, e.g. "X-Request-ID".',
)
REQUEST_ID_TRUST_INCOMING: Setting[bool] = Setting(
    "REQUEST_ID_TRUST_INCOMING",
    True,
    boolean,
    "Accept a well-formed incoming id (True) or always generate a fresh one (False).",
    "infra_core.E102",
    "Use True (accept well-formed incoming ids) or False (always generate).",
)

SETTINGS = (REQUEST_ID_HEADER, REQUEST_ID_TRUST_INCOMING)
