from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.test import Client

from infra_core.health import transitions
from infra_core.health.models import HealthTransition
from infra_core.health.pool import get_pool
from tests.health.checks_for_tests import spec


@pytest.fixture(autouse=True)
def _forget() -> Iterator[None]:
    transitions.forget()
    yield
    transitions.forget()


def wait_rows(count: int, seconds: float = 3.0) -> int:
    # Let the health thread finish its insert first: SQLite's shared in-memory test database
    # answers "table is locked" to a writer while another thread reads.
    get_pool(8).wait_idle(seconds)
    deadline = time.monotonic() + seconds
    found = HealthTransition.objects.count()
    while found < count and time.monotonic() < deadline:
        time.sleep(0.02)
        found = HealthTransition.objects.count()
    return found


def configure(settings, name: str, on: bool = True) -> None:
    settings.INFRA_CORE = {
        "HEALTH_CHECKS": [spec(name, name="dep")],
        "HEALTH_CACHE_SECONDS": 0,
        "HEALTH_RECORD_TRANSITIONS": on,
    }


@pytest.mark.django_db(transaction=True)
def test_transitions_ok_then_fail_then_ok_records_two_rows(settings) -> None:
    client = Client()
    configure(settings, "CountingCheck")
    client.get("/health/")
    client.get("/health/")
    configure(settings, "FailCheck")
    client.get("/health/")
    client.get("/health/")
    assert wait_rows(1) == 1
    configure(settings, "CountingCheck")
    client.get("/health/")
    assert wait_rows(2) == 2
    rows = list(HealthTransition.objects.order_by("id").values_list("previous", "status"))
    assert rows == [("ok", "fail"), ("fail", "ok")]


@pytest.mark.django_db(transaction=True)
def test_transitions_first_failure_is_recorded_with_message(settings) -> None:
    configure(settings, "FailCheck")
    Client().get("/health/")
    assert wait_rows(1) == 1
    row = HealthTransition.objects.get()
    assert (row.check_name, row.previous, row.status, row.message) == (
        "dep",
        "",
        "fail",
        "dependency down",
    )


@pytest.mark.django_db(transaction=True)
def test_transitions_off_by_default_writes_nothing(settings) -> None:
    configure(settings, "FailCheck", on=False)
    Client().get("/health/")
    assert wait_rows(1, seconds=0.3) == 0


def test_transitions_changes_steady_ok_reports_nothing() -> None:
    from infra_core.health.base import CheckResult, Overall, Status
    from infra_core.health.runner import Report

    ok = Report(Overall.HEALTHY, (CheckResult("x", Status.OK, True, 1.0),))
    assert transitions.changes(ok) == [] and transitions.changes(ok) == []


@pytest.mark.django_db
def test_transition_admin_changelist_lists_rows_read_only(admin_client) -> None:
    HealthTransition.objects.create(
        check_name="db", previous="ok", status="fail", message="down", process="h:1"
    )
    response = admin_client.get("/admin/infra_core/healthtransition/")
    assert response.status_code == 200
    assert b"down" in response.content
    assert admin_client.get("/admin/infra_core/healthtransition/add/").status_code == 403
