"""Settings of the error envelope (8xx)."""

from __future__ import annotations

from infra_core.conf import Setting
from infra_core.parsers import boolean, choice, path_prefixes

FORMATS = ("envelope", "problem")


ERRORS_FORMAT: Setting[str] = Setting(
    "ERRORS_FORMAT",
    "envelope",
    choice(*FORMATS),
    '"envelope" ({"error": {...}}) or "problem" (RFC 9457 application/problem+json).',
    "infra_core.E801",
    f"Use one of {list(FORMATS)}.",
)
ERRORS_HTML_FOR_BROWSERS: Setting[bool] = Setting(
    "ERRORS_HTML_FOR_BROWSERS",
    True,
    boolean,
    "Browsers (Accept: text/html) outside ERRORS_API_PREFIXES get Django's HTML error pages.",
    "infra_core.E802",
    "Use True (browsers get HTML error pages) or False (always JSON).",
)
ERRORS_API_PREFIXES: Setting[tuple[str, ...]] = Setting(
    "ERRORS_API_PREFIXES",
    ["/api/"],
    path_prefixes,
    "Path prefixes that always get JSON errors, whatever the Accept header says.",
    "infra_core.E803",
    'Use path prefixes starting with "/", e.g. ["/api/"].',
)

SETTINGS = (ERRORS_FORMAT, ERRORS_HTML_FOR_BROWSERS, ERRORS_API_PREFIXES)
