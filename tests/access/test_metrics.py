"""/metrics: refused without a token, with a wrong one or a wrong scheme; served with the right one.

Case M-01 of the reliability catalogue (docs/reliability.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from tests.access.conftest import TOKEN, envelope
from tests.conftest import JsonLogCapture

pytestmark = pytest.mark.django_db
WITH_TOKEN = override_settings(INFRA_CORE={"METRICS_TOKEN": TOKEN})


@WITH_TOKEN
def test_no_credentials_is_401_with_a_bearer_challenge(client: Client) -> None:
    response = client.get("/metrics")
    envelope(response, 401, "authentication_required")
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"infra_core_" not in response.content


@WITH_TOKEN
@pytest.mark.parametrize(
    "given",
    [TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "x", "x" * 4096, TOKEN[:-1] + "é", f"{TOKEN} {TOKEN}"],
    ids=["short-by-one", "long-by-one", "case", "tiny", "huge", "non-ascii", "twice"],
)
def test_a_wrong_token_is_403_and_a_security_event_without_the_token(
    given: str, client: Client, json_logs: JsonLogCapture
) -> None:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {given}")
    envelope(response, 403, "permission_denied")
    assert b"infra_core_" not in response.content
    events = [r for r in json_logs.records if r.get("security_event") == "metrics_denied"]
    assert len(events) == 1
    assert given not in json_logs.text and TOKEN not in json_logs.text


@WITH_TOKEN
@pytest.mark.parametrize(
    "header", [f"Basic {TOKEN}", f"Token {TOKEN}", TOKEN, f"Bearer{TOKEN}", "Bearer ", "Bearer"]
)
def test_a_wrong_scheme_is_refused_like_no_credentials(header: str, client: Client) -> None:
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)
    envelope(response, 401, "authentication_required")
    assert b"infra_core_" not in response.content


@WITH_TOKEN
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_right_token_is_served(scheme: str, client: Client) -> None:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"{scheme} {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"infra_core_" in response.content


@override_settings(INFRA_CORE={"METRICS_TOKEN": None, "METRICS_ALLOW_STAFF": False})
@pytest.mark.parametrize("header", [None, f"Bearer {TOKEN}"], ids=["anonymous", "any-token"])
def test_without_a_configured_token_every_caller_is_403(header: Any, client: Client) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/metrics", **extra)
    envelope(response, 403, "permission_denied")


@override_settings(
    INFRA_CORE={"METRICS_ALLOWED_IPS": ["203.0.113.0/24"], "METRICS_ALLOW_STAFF": False}
)
def test_a_spoofed_forwarded_for_does_not_pass_the_ip_allowlist(client: Client) -> None:
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    envelope(response, 403, "permission_denied")
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200


@WITH_TOKEN
def test_a_non_staff_session_is_no_credential(client: Client, django_user_model: Any) -> None:
    client.force_login(django_user_model.objects.create_user("plain", password=None))
    envelope(client.get("/metrics"), 401, "authentication_required")
