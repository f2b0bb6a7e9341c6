"""JSON vs HTML error pages follow the Accept header's q-values (Django's own negotiation)."""

from __future__ import annotations

import pytest
from django.test import Client

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HTML, JSON = "text/html", "application/json"

# (Accept header, what a non-API page's error answers)
CASES = [
    (None, JSON),
    ("", JSON),
    ("*/*", JSON),
    (BROWSER, HTML),
    ("text/html", HTML),
    ("application/xhtml+xml", HTML),
    ("text/*", HTML),
    ("text/html;q=0.1, application/json", JSON),
    ("application/json;q=0.4, text/html;q=0.9", HTML),
    ("application/json, text/html;q=0.5", JSON),
    ("text/html, application/json", HTML),  # equal q: the header's order
    ("application/json, text/html", JSON),
    ("text/html;q=0", JSON),  # q=0 means "not acceptable"
    ("text/html;q=0, */*", JSON),
    ("application/problem+json, text/html;q=0.2", JSON),
    ("text/html;q=0.5, application/problem+json", JSON),
    ("image/png", JSON),  # nothing offered is acceptable: the envelope
    ("text/html;q=bogus, application/json;q=0.9", HTML),  # an unreadable q counts as 1
]


@pytest.mark.parametrize(("accept", "expected"), CASES)
def test_negotiation_page_error_answers_preferred_type(accept: str | None, expected: str) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = Client().get("/page/raise/http404/", headers=headers)
    assert response.status_code == 404
    assert response["Content-Type"].split(";")[0] == expected


@pytest.mark.parametrize(("accept", "expected"), CASES)
def test_negotiation_api_prefix_answers_json_whatever_accept(
    accept: str | None, expected: str
) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = Client().get("/api/raise/http404/", headers=headers)
    assert response["Content-Type"] == JSON
