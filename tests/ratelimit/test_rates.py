from __future__ import annotations

import pytest

from infra_core.ratelimit.rates import Rate, parse_rate


@pytest.mark.parametrize(
    ("text", "limit", "window"),
    [
        ("100/m", 100, 60),
        ("5/h", 5, 3600),
        ("10/30s", 10, 30),
        ("1/d", 1, 86400),
        (" 7 / 2m ", 7, 120),
    ],
)
def test_parse_rate_valid_string_returns_limit_and_window(
    text: str, limit: int, window: int
) -> None:
    assert parse_rate(text) == Rate(limit=limit, window=window)


def test_parse_rate_none_means_unlimited() -> None:
    assert parse_rate(None) is None


@pytest.mark.parametrize("text", ["100", "100/x", "abc/m", "-1/m", "10/0s", "", "1.5/m"])
def test_parse_rate_malformed_string_raises_naming_value(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("(", r"\(").replace(".", r"\.")):
        parse_rate(text)


def test_parse_rate_zero_count_raises() -> None:
    with pytest.raises(ValueError, match="allows no request"):
        parse_rate("0/m")


def test_parse_rate_non_string_raises_naming_type() -> None:
    with pytest.raises(ValueError, match="int"):
        parse_rate(100)
