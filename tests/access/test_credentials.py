"""infra_core.credentials: the one token reader and comparer used by /metrics and /health/."""

from __future__ import annotations

import hmac
import inspect
from typing import Any

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from infra_core import credentials
from infra_core.credentials import bearer_token, token_matches
from tests.hostile.conftest import BOUNDED

EXPECTED = "s3cret-token-0123456789"


def test_the_comparison_is_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behaviour first: the comparison goes through hmac.compare_digest, every time."""
    calls: list[tuple[Any, Any]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(credentials.hmac, "compare_digest", spy)
    assert token_matches(EXPECTED, EXPECTED) is True
    assert token_matches("x", EXPECTED) is False
    assert calls == [(EXPECTED.encode(), EXPECTED.encode()), (b"x", EXPECTED.encode())]
    assert "==" not in inspect.getsource(token_matches)


@BOUNDED
@given(given_token=st.text(max_size=300))
def test_any_presented_token_is_compared_without_an_exception(given_token: str) -> None:
    try:
        given_token.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates cannot come from an HTTP header (latin-1 decoded)
    assert token_matches(given_token, EXPECTED) is (given_token == EXPECTED)


@pytest.mark.parametrize("given_token", ["", "s", EXPECTED[:-1], EXPECTED + "!", "é" * 50])
def test_tokens_of_other_lengths_are_rejected_without_exceptions(given_token: str) -> None:
    assert token_matches(given_token, EXPECTED) is False


@BOUNDED
@given(header=st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=200))
def test_bearer_token_reads_any_header_without_an_exception(header: str) -> None:
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=header)
    token = bearer_token(request)
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        assert token == value.strip()
    else:
        assert token is None
