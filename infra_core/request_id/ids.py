"""Validation of incoming request ids."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_LENGTH = 128
# Letters, digits and ``._:-``: enough for UUIDs, nginx $request_id, AWS trace ids and ULIDs,
# and nothing that can break a header, a log line or a JSON string.
_SAFE = re.compile(r"[A-Za-z0-9._:\-]{1,128}\Z")


def is_valid_request_id(value: str) -> bool:
    """Return True if ``value`` is a safe request id (1-128 chars of letters, digits, ``._:-``)."""
    return _SAFE.match(value) is not None


@lru_cache(maxsize=8)
def meta_key(header: str) -> str:
    """Return the ``request.META`` key of a header (``X-Request-ID`` -> ``HTTP_X_REQUEST_ID``)."""
    return "HTTP_" + header.upper().replace("-", "_")
