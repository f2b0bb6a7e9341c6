"""The test tokenizer finds what an expression reads, so the scrape test checks the right names."""

from __future__ import annotations

import pytest

from tests.ops.promql import Matcher, base_name, usage


def test_promql_usage_selector_gives_metric_and_matchers() -> None:
    used = usage('rate(infra_core_http_requests_total{status=~"5..",job="a"}[5m])')
    assert used.metrics == {"infra_core_http_requests_total"}
    assert used.matchers == [
        Matcher("infra_core_http_requests_total", "status", "=~", "5.."),
        Matcher("infra_core_http_requests_total", "job", "=", "a"),
    ]


def test_promql_usage_bare_metric_with_comparison_is_found() -> None:
    assert usage("max by (name) (infra_core_circuit_breaker_open) == 1").metrics == {
        "infra_core_circuit_breaker_open"
    }


def test_promql_usage_grouping_labels_are_not_metrics() -> None:
    used = usage(
        "histogram_quantile(0.99, sum by (job, route, le) (rate(x_seconds_bucket[$__range])))"
    )
    assert used.metrics == {"x_seconds_bucket"}
    assert used.grouping == {"job", "route", "le"}


def test_promql_usage_binary_operators_and_keywords_are_skipped() -> None:
    used = usage("(sum(rate(a[5m])) / sum(rate(b[5m]))) > 0.05 and sum by (job) (c) >= 20")
    assert used.metrics == {"a", "b", "c"}


def test_promql_usage_name_matcher_counts_as_metric() -> None:
    assert usage('{__name__="infra_core_dlq_pending", task="t"}').metrics == {
        "infra_core_dlq_pending"
    }


def test_promql_usage_offset_duration_is_not_a_metric() -> None:
    assert usage("a offset 1h - a").metrics == {"a"}


def test_promql_tokens_junk_raises() -> None:
    with pytest.raises(ValueError, match="cannot tokenize"):
        usage("rate(a[5m]) ~ 3")


def test_promql_base_name_drops_histogram_suffix_only() -> None:
    assert base_name("infra_core_http_request_duration_seconds_bucket") == (
        "infra_core_http_request_duration_seconds"
    )
    assert base_name("infra_core_http_requests_total") == "infra_core_http_requests_total"
