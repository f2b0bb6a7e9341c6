"""DEBUG=True: browsers keep Django's technical pages, API clients keep the envelope."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.test import AsyncClient, Client

RID = "req-debug-1"


@pytest.fixture(autouse=True)
def debug(settings: Any) -> None:
    settings.DEBUG = True


def _envelope(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/json"
    error: dict[str, Any] = response.json()["error"]
    return error


@pytest.mark.parametrize("path", ["/api/no/such/route/", "/no/such/route/"])
def test_debug_unknown_route_for_api_client_answers_envelope(path: str) -> None:
    response = Client().get(path, headers={"X-Request-ID": RID, "Accept": "application/json"})
    assert response.status_code == 404
    error = _envelope(response)
    assert (error["code"], error["request_id"]) == ("not_found", RID)


def test_debug_unknown_api_route_for_browser_answers_envelope() -> None:
    response = Client().get("/api/no/such/route/", headers={"Accept": "text/html"})
    assert (response.status_code, _envelope(response)["code"]) == (404, "not_found")


def test_debug_unknown_route_for_browser_answers_technical_404() -> None:
    response = Client().get("/no/such/route/", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Using the URLconf" in response.content  # Django's technical 404 page


def test_debug_unknown_route_async_answers_envelope() -> None:
    response = asyncio.run(AsyncClient().get("/api/nowhere/", headers={"X-Request-ID": RID}))
    assert (response.status_code, _envelope(response)["request_id"]) == (404, RID)


def test_debug_http404_in_api_view_answers_envelope() -> None:
    response = Client().get("/api/raise/http404/", headers={"Accept": "text/html"})
    assert (response.status_code, _envelope(response)["code"]) == (404, "not_found")


def test_debug_unexpected_exception_falls_through_to_django() -> None:
    with pytest.raises(KeyError):
        Client().get("/api/raise/key_error/")


def test_debug_off_unknown_route_is_left_to_handler404(settings: Any) -> None:
    settings.DEBUG = False
    response = Client().get("/api/no/such/route/", headers={"X-Request-ID": RID})
    assert (response.status_code, _envelope(response)["request_id"]) == (404, RID)
