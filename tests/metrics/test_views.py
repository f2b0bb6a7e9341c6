"""/metrics answers only a bearer token, an allowlisted IP or a staff user; closed by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from infra_core import credentials as access
from tests.metrics.conftest import TOKEN


def _get(**headers: str) -> Any:
    return Client().get("/metrics", headers=headers)


def test_metrics_view_right_token_answers_200_prometheus_text(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    response = _get(Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"# TYPE infra_core_errors_total counter" in response.content


def test_metrics_view_no_token_answers_401_with_challenge(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    response = _get()
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "authentication_required"


def test_metrics_view_wrong_token_answers_403(settings: Any, json_logs: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    response = _get(Authorization=f"Bearer {TOKEN[:-1]}x")
    assert response.status_code == 403
    assert b"infra_core_" not in response.content
    assert any(r.get("security_event") == "metrics_denied" for r in json_logs.records)


def test_metrics_view_token_sent_but_none_configured_answers_403() -> None:
    assert _get(Authorization=f"Bearer {TOKEN}").status_code == 403


def test_metrics_view_default_config_anonymous_answers_403() -> None:
    assert _get().status_code == 403


@pytest.mark.django_db
def test_metrics_view_default_config_staff_answers_200() -> None:
    staff = User.objects.create_user("ops", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_metrics_view_non_staff_user_answers_403() -> None:
    client = Client()
    client.force_login(User.objects.create_user("plain"))
    assert client.get("/metrics").status_code == 403


@pytest.mark.django_db
def test_metrics_view_staff_disabled_answers_403(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_ALLOW_STAFF": False}
    client = Client()
    client.force_login(User.objects.create_user("ops", is_staff=True))
    assert client.get("/metrics").status_code == 403


def test_metrics_view_allowlisted_ip_answers_200(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_ALLOWED_IPS": ["10.0.5.0/24"]}
    assert Client(REMOTE_ADDR="10.0.5.9").get("/metrics").status_code == 200


def test_metrics_view_spoofed_forwarded_ip_answers_403(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_ALLOWED_IPS": ["10.0.5.0/24"]}
    client = Client(REMOTE_ADDR="203.0.113.7")
    response = client.get("/metrics", headers={"X-Forwarded-For": "10.0.5.9"})
    assert response.status_code == 403


def test_metrics_view_compares_token_in_constant_time(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    calls: list[tuple[bytes, bytes]] = []
    real = access.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    _get(Authorization="Bearer nope")
    assert calls == [(b"nope", TOKEN.encode())]


def test_metrics_view_login_required_middleware_lets_token_through(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    assert _get(Authorization=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.django_db
def test_metrics_view_token_scrape_makes_no_queries(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    with django_assert_num_queries(0):
        for _ in range(20):
            assert _get(Authorization=f"Bearer {TOKEN}").status_code == 200


def test_metrics_view_post_answers_405(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    response = Client().post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 405


def test_metrics_view_head_is_answered_like_get(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN}
    response = Client().head("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert (
        Client().post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 405
    )
