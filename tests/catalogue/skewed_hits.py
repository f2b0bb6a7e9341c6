"""Subprocess for R-14: an app process whose clock is skewed, counting hits in one bucket.

``python -m tests.catalogue.skewed_hits <offset-seconds> <scope> <identity> <rate> <n>`` prints one
JSON list of booleans (admitted or not). ``time.time`` is shifted before Django starts, so every
reader of the wall clock in this process (the rate limiter's deadline included) sees the skew.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    offset, scope, ident, rate_text, n = float(sys.argv[1]), *sys.argv[2:5], int(sys.argv[5])
    real = time.time
    time.time = lambda: real() + offset  # the skew: this host's clock is off by `offset` s
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from infra_core.ratelimit.decision import hit
    from infra_core.ratelimit.rates import parse_rate

    rate = parse_rate(rate_text)
    assert rate is not None
    print(json.dumps([hit(scope, ident, rate).allowed for _ in range(n)]))


if __name__ == "__main__":
    main()
