"""One bearer-token reader for /metrics and health detail (RFC 9110: the scheme is case-free)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from infra_core.credentials import bearer_token

TOKEN = "t" * 32


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Bearer {TOKEN}", TOKEN),
        (f"bearer {TOKEN}", TOKEN),
        (f"BEARER  {TOKEN} ", TOKEN),
        (f"Basic {TOKEN}", None),
        ("Bearer ", None),
        ("", None),
    ],
)
def test_bearer_token_reads_the_scheme_case_insensitively(
    header: str, expected: str | None
) -> None:
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=header)
    assert bearer_token(request) == expected


def test_health_detail_accepts_a_lowercase_bearer_scheme(settings: Any) -> None:
    settings.INFRA_CORE = {"HEALTH_TOKEN": TOKEN, "HEALTH_CHECKS": []}
    upper = Client().get("/health/", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    lower = Client().get("/health/", headers={"Authorization": f"bearer {TOKEN}"}).json()
    anonymous = Client().get("/health/").json()
    assert "checks" in upper and "checks" in lower and "checks" not in anonymous
