"""The repository concern's ``INFRA_CORE`` keys, declared once."""

from __future__ import annotations

from infra_core.conf import Setting
from infra_core.parsers import integer, number, optional

PAGE_MAX_SIZE: Setting[int] = Setting(
    "DB_PAGE_MAX_SIZE",
    100,
    integer(minimum=1, maximum=10_000),
    "Upper bound of paginate_page(per_page=...) and paginate_cursor(limit=...); larger asks are"
    " capped to it.",
    "infra_core.E901",
    "Use an int from 1 to 10000, e.g. 100.",
)
CURSOR_MAX_AGE: Setting[float | None] = Setting(
    "DB_CURSOR_MAX_AGE",
    86400,
    optional(number(positive=True)),
    "Seconds a pagination cursor stays valid; an older one is a 400. None: cursors never expire.",
    "infra_core.E902",
    "Use a positive number of seconds, e.g. 86400, or None.",
)
RETRY_ATTEMPTS: Setting[int] = Setting(
    "DB_RETRY_ATTEMPTS",
    3,
    integer(minimum=1, maximum=100),
    "Tries (the first one included) atomic_with_retry makes when its caller gives none.",
    "infra_core.E903",
    "Use an int from 1 to 100, e.g. 3.",
)
RETRY_BACKOFF: Setting[float] = Setting(
    "DB_RETRY_BACKOFF",
    0.05,
    number(minimum=0),
    "Seconds before the first retry of atomic_with_retry; retry n waits BACKOFF * 2**(n-1).",
    "infra_core.E904",
    "Use a number of seconds >= 0, e.g. 0.05.",
)
RETRY_BACKOFF_MAX: Setting[float] = Setting(
    "DB_RETRY_BACKOFF_MAX",
    2.0,
    number(positive=True),
    "Upper bound of one atomic_with_retry delay, in seconds.",
    "infra_core.E905",
    "Use a positive number of seconds, e.g. 2.0.",
)
BULK_BATCH_SIZE: Setting[int] = Setting(
    "DB_BULK_BATCH_SIZE",
    1000,
    integer(minimum=1, maximum=100_000),
    "Rows per INSERT statement of bulk_insert() when its caller gives no batch_size.",
    "infra_core.E906",
    "Use an int from 1 to 100000, e.g. 1000.",
)

SETTINGS = (
    PAGE_MAX_SIZE,
    CURSOR_MAX_AGE,
    RETRY_ATTEMPTS,
    RETRY_BACKOFF,
    RETRY_BACKOFF_MAX,
    BULK_BATCH_SIZE,
)
