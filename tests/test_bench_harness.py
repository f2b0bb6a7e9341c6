"""bench/harness.py's summary helpers: what a report line says about odd figures."""

from __future__ import annotations

import math

from bench.harness import spread


def test_spread_is_median_and_range() -> None:
    assert spread([3.0, 1.0, 2.0]) == "2.00 [1.00-3.00]"
    assert spread([]) == "n/a"


def test_spread_leaves_unparsed_figures_out_and_counts_them() -> None:
    # A wrk latency in a form the parser does not read is NaN: it must not become the median.
    assert spread([1.0, math.nan, 3.0]) == "2.00 [1.00-3.00] (1 unparsed)"
    assert spread([math.nan, math.nan]) == "n/a (2 unparsed)"
