"""Security events from real requests: failed logins, CSRF, health detail, DLQ admin, bad Host."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import authenticate
from django.contrib.auth.models import Permission
from django.test import Client
from prometheus_client import REGISTRY

from infra_core.logging import log_security_event
from infra_core.tasks.models import DeadLetter

RID = "b" * 32
TOKEN = "t0ken-for-security-event-tests"
CHANGELIST = "/admin/infra_core/deadletter/"


def count(event: str) -> float:
    return REGISTRY.get_sample_value("infra_core_security_events_total", {"event": event}) or 0.0


def events(json_logs: Any, name: str) -> list[dict[str, Any]]:
    return [r for r in json_logs.by_logger("infra_core.security") if r["security_event"] == name]


def staff(django_user_model: Any, username: str, codenames: list[str]) -> Any:
    user = django_user_model.objects.create_user(username, password="pw-123456", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def dead_letter() -> DeadLetter:
    return DeadLetter.objects.create(
        task_name="tests.testapp.tasks.send_invoice",
        task_id=str(uuid.uuid4()),
        exception_class="builtins.ConnectionError",
        attempts=1,
    )


# --- failed logins ----------------------------------------------------------------------------
def test_login_failed_admin_form_logs_one_event_with_ip_and_request_id(
    db: None, django_user_model: Any, json_logs: Any
) -> None:
    django_user_model.objects.create_user("ann", password="right-password-1")
    before = count("login_failed")
    client = Client(REMOTE_ADDR="203.0.113.5")
    page = client.post(
        "/admin/login/",
        {"username": "ann", "password": "wrong-password-2"},
        headers={"X-Request-ID": RID},
    )
    assert page.status_code == 200  # the form again, with its error
    [line] = events(json_logs, "login_failed")
    assert (line["client_ip"], line["request_id"], line["username"]) == ("203.0.113.5", RID, "ann")
    assert "wrong-password-2" not in json_logs.text
    assert count("login_failed") == before + 1


def test_login_failed_authenticate_without_request_logs_username(db: None, json_logs: Any) -> None:
    assert authenticate(username="nobody", password="x") is None
    [line] = events(json_logs, "login_failed")
    assert line["username"] == "nobody" and "client_ip" not in line


def test_login_succeeded_logs_no_security_event(
    db: None, django_user_model: Any, json_logs: Any
) -> None:
    django_user_model.objects.create_user("bob", password="right-password-1")
    assert authenticate(username="bob", password="right-password-1") is not None
    assert events(json_logs, "login_failed") == []


# --- CSRF ---------------------------------------------------------------------------------------
def test_csrf_failure_logs_one_event_with_reason(settings: Any, json_logs: Any) -> None:
    settings.CSRF_FAILURE_VIEW = "infra_core.errors.views.csrf_failure"
    before = count("csrf_failed")
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="198.51.100.4")
    response = client.post("/admin/login/", {"username": "x"}, headers={"X-Request-ID": RID})
    assert response.status_code == 403
    [line] = events(json_logs, "csrf_failed")
    assert (line["client_ip"], line["request_id"], line["route"]) == (
        "198.51.100.4",
        RID,
        "admin:login",
    )
    assert "CSRF cookie not set" in line["reason"]
    assert count("csrf_failed") == before + 1


# --- health detail ----------------------------------------------------------------------------
def test_health_wrong_token_logs_event_and_hides_detail(settings: Any, json_logs: Any) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [], "HEALTH_TOKEN": TOKEN}
    before = count("health_detail_denied")
    response = Client(REMOTE_ADDR="192.0.2.8").get(
        "/health/", headers={"Authorization": "Bearer not-the-token", "X-Request-ID": RID}
    )
    assert "checks" not in response.json()
    [line] = events(json_logs, "health_detail_denied")
    assert (line["client_ip"], line["request_id"]) == ("192.0.2.8", RID)
    assert count("health_detail_denied") == before + 1


def test_health_right_token_and_anonymous_log_no_event(settings: Any, json_logs: Any) -> None:
    settings.INFRA_CORE = {"HEALTH_CHECKS": [], "HEALTH_TOKEN": TOKEN}
    client = Client()
    assert "checks" in client.get("/health/", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    client.get("/health/")
    assert json_logs.by_logger("infra_core.security") == []


# --- DLQ admin --------------------------------------------------------------------------------
def test_dlq_forged_action_without_permission_logs_event(
    db: None, django_user_model: Any, json_logs: Any
) -> None:
    row = dead_letter()
    client = Client(REMOTE_ADDR="192.0.2.9")
    client.force_login(staff(django_user_model, "viewer", ["view_deadletter"]))
    before = count("dlq_action_denied")
    data = {"action": "discard", "index": "0", ACTION_CHECKBOX_NAME: [str(row.pk)]}
    client.post(CHANGELIST, data, headers={"X-Request-ID": RID})
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING
    [line] = events(json_logs, "dlq_action_denied")
    assert (line["action"], line["actor"], line["client_ip"], line["request_id"]) == (
        "discard",
        "viewer",
        "192.0.2.9",
        RID,
    )
    assert count("dlq_action_denied") == before + 1


def test_dlq_replay_button_without_permission_logs_event(
    db: None, django_user_model: Any, json_logs: Any
) -> None:
    row = dead_letter()
    client = Client()
    client.force_login(staff(django_user_model, "viewer", ["view_deadletter"]))
    assert client.post(f"{CHANGELIST}{row.pk}/replay/").status_code == 403
    [line] = events(json_logs, "dlq_action_denied")
    assert line["action"] == "replay"


def test_dlq_permitted_action_logs_no_event(
    db: None, django_user_model: Any, json_logs: Any
) -> None:
    row = dead_letter()
    client = Client()
    client.force_login(
        staff(django_user_model, "closer", ["view_deadletter", "resolve_deadletter"])
    )
    data = {"action": "resolve", "index": "0", ACTION_CHECKBOX_NAME: [str(row.pk)]}
    client.post(CHANGELIST, data)
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.RESOLVED
    assert events(json_logs, "dlq_action_denied") == []


# --- bad Host -----------------------------------------------------------------------------------
@pytest.mark.parametrize("error_middleware", [False, True])
def test_disallowed_host_logs_one_short_event_without_traceback(
    settings: Any, json_logs: Any, error_middleware: bool
) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    if error_middleware:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, "infra_core.middleware.ErrorMiddleware"]
    before = count("disallowed_host")
    response = Client(REMOTE_ADDR="192.0.2.10").get(
        "/ping/", headers={"Host": "evil.example", "X-Request-ID": RID}
    )
    assert response.status_code == 400
    [line] = events(json_logs, "disallowed_host")
    assert (line["host"], line["client_ip"], line["request_id"]) == (
        "evil.example",
        "192.0.2.10",
        RID,
    )
    assert json_logs.by_logger("django.security.DisallowedHost") == []
    assert "Traceback" not in json_logs.text and "exc_info" not in json_logs.text
    assert len(json_logs.text.splitlines()[0]) < 600
    assert count("disallowed_host") == before + 1


def test_disallowed_host_huge_header_is_truncated(settings: Any, json_logs: Any) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    Client().get("/ping/", headers={"Host": "a" * 5000 + ".example"})
    [line] = events(json_logs, "disallowed_host")
    assert len(line["host"]) == 100


# --- the counter's labels ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["my_custom_event", "x" * 300])
def test_security_event_unknown_name_is_counted_as_other(json_logs: Any, name: str) -> None:
    before, before_named = count("other"), count(name)
    log_security_event(name)
    assert count("other") == before + 1
    assert count(name) == before_named == 0
    assert events(json_logs, name)  # the log line keeps the name
