"""RFC 9457 problem+json, HTML for browsers, handlers outside views, DEBUG, error metrics."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from prometheus_client import REGISTRY

RID = "req-format-1"


def test_problem_format_answers_rfc9457_body(settings: Any) -> None:
    settings.INFRA_CORE = {"ERRORS_FORMAT": "problem"}
    response = Client().get("/api/raise/conflict/", headers={"X-Request-ID": RID})
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "The request conflicts with the current state of the resource.",
        "code": "conflict",
        "details": {"version": 7},
        "request_id": RID,
    }


def test_problem_format_applies_to_unknown_route(settings: Any) -> None:
    settings.INFRA_CORE = {"ERRORS_FORMAT": "problem"}
    response = Client().get("/nowhere/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_browser_page_error_answers_html() -> None:
    response = Client().get("/page/raise/http404/", headers={"Accept": "text/html,*/*"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"secret" not in response.content


def test_browser_unknown_route_answers_html() -> None:
    response = Client().get("/nowhere/", headers={"Accept": "text/html"})
    assert (response.status_code, response["Content-Type"][:9]) == (404, "text/html")


def test_browser_on_api_prefix_answers_json() -> None:
    response = Client().get("/api/raise/http404/", headers={"Accept": "text/html"})
    assert response["Content-Type"] == "application/json"


def test_browser_html_disabled_answers_json(settings: Any) -> None:
    settings.INFRA_CORE = {"ERRORS_HTML_FOR_BROWSERS": False}
    response = Client().get("/page/raise/http404/", headers={"Accept": "text/html"})
    assert response["Content-Type"] == "application/json"


def test_browser_json_preferred_over_html_answers_json() -> None:
    response = Client().get(
        "/page/raise/http404/", headers={"Accept": "application/json, text/html;q=0.5"}
    )
    assert response["Content-Type"] == "application/json"


def test_handler500_error_in_middleware_answers_generic_envelope(settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.testapp.views_errors.ExplodingMiddleware"]
    client = Client(raise_request_exception=False)
    response = client.get("/explode/", headers={"X-Request-ID": RID})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Internal server error.",
            "details": {},
            "request_id": RID,
        }
    }


def test_debug_unhandled_error_falls_back_to_technical_page(settings: Any) -> None:
    settings.DEBUG = True
    response = Client(raise_request_exception=False).get(
        "/api/raise/key_error/", headers={"Accept": "text/html"}
    )
    assert response.status_code == 500
    assert b"KeyError" in response.content


def test_debug_app_error_still_answers_envelope(settings: Any) -> None:
    settings.DEBUG = True
    response = Client().get("/api/raise/conflict/")
    assert response.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize("path", ["/api/raise/conflict/", "/api/too-many/"])
def test_error_response_counts_error_code(path: str) -> None:
    code = "conflict" if "conflict" in path else "rate_limited"

    def value() -> float:
        return REGISTRY.get_sample_value("infra_core_errors_total", {"code": code}) or 0.0

    before = value()
    Client().get(path)
    assert value() == before + 1
