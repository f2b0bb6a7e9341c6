from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings


def test_access_log_one_line_per_request_with_route_not_raw_path(json_logs) -> None:
    Client().get("/items/123/", headers={"X-Request-ID": "acc-1"})
    lines = json_logs.by_logger("infra_core.access")
    assert len(lines) == 1
    line = lines[0]
    assert line["route"] == "item"
    assert "123" not in line["route"]
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["request_id"] == "acc-1"
    assert line["client_ip"] == "127.0.0.1"
    assert line["slow"] is False
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"


def test_access_log_unknown_route_is_bounded_label(json_logs) -> None:
    Client().get("/no/such/path/9f8e7d/")
    line = json_logs.by_logger("infra_core.access")[-1]
    assert line["route"] == "<unresolved>"
    assert line["status"] == 404
    assert line["level"] == "WARNING"


def test_access_log_server_error_logs_error_level(json_logs) -> None:
    Client(raise_request_exception=False).get("/boom/")
    line = json_logs.by_logger("infra_core.access")[-1]
    assert line["status"] == 500
    assert line["level"] == "ERROR"


@override_settings(INFRA_CORE={"ACCESS_LOG_SLOW_MS": 20})
def test_access_log_slow_request_is_flagged_warning(json_logs) -> None:
    Client().get("/slow/?s=0.05")
    line = json_logs.by_logger("infra_core.access")[-1]
    assert line["slow"] is True
    assert line["level"] == "WARNING"
    assert line["duration_ms"] >= 20


@override_settings(INFRA_CORE={"ACCESS_LOG_SKIP_PATHS": ["/ping/"]})
def test_access_log_skip_paths_are_not_logged(json_logs) -> None:
    Client().get("/ping/")
    assert json_logs.by_logger("infra_core.access") == []


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.logging.urls_access")
def test_access_log_user_loaded_by_view_is_logged_and_bound_for_view_logs(json_logs) -> None:
    user = User.objects.create_user("ann", password="pw-ann-123")
    client = Client()
    client.force_login(user)
    client.get("/whoami/")
    access = json_logs.by_logger("infra_core.access")[-1]
    view_line = json_logs.by_logger("tests.views")[-1]
    assert access["user_id"] == str(user.pk)
    assert view_line["user_id"] == str(user.pk)
    assert view_line["route"] == "whoami"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.logging.urls_access")
def test_access_log_user_nobody_loaded_is_not_read(json_logs, django_assert_num_queries) -> None:
    user = User.objects.create_user("bob", password="pw-bob-123")
    client = Client()
    client.force_login(user)
    with django_assert_num_queries(0):
        client.get("/anonymous/")
    access = json_logs.by_logger("infra_core.access")[-1]
    assert access["status"] == 200
    assert "user_id" not in access


def test_access_log_async_view_is_logged(json_logs) -> None:
    import asyncio

    from django.test import AsyncClient

    asyncio.run(AsyncClient().get("/aping/", headers={"X-Request-ID": "async-1"}))
    line = json_logs.by_logger("infra_core.access")[-1]
    assert line["route"] == "aping"
    assert line["request_id"] == "async-1"


@pytest.mark.django_db
def test_live_probe_with_session_cookie_does_no_query_whatever_middleware(
    json_logs, django_assert_num_queries
) -> None:
    from tests.logging.outage_settings import MIDDLEWARE

    user = User.objects.create_user("cid", password="pw-cid-123", is_staff=True)
    client = Client()
    client.force_login(user)
    infra = {"ACCESS_LOG_SKIP_PATHS": []}
    with override_settings(MIDDLEWARE=MIDDLEWARE, INFRA_CORE=infra), django_assert_num_queries(0):
        response = client.get("/live/")
    assert response.status_code == 200
    assert json_logs.by_logger("infra_core.access")[-1]["route"] == "infra_core:live"


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_access_record_reaches_handlers_filters_and_disabled_like_any_record() -> None:
    from infra_core.logging import access

    logger = logging.getLogger("infra_core.access")
    keep = _Keep()
    logger.addHandler(keep)
    try:
        Client().get("/items/5/")
        (record,) = keep.records
        # Built without findCaller: the origin it names is the middleware's _log.
        assert (record.funcName, record.lineno) == ("_log", access._LINENO)
        assert record.pathname == access.__file__
        assert record.getMessage().startswith("GET item 200 ")
        assert (record.method, record.route, record.status) == ("GET", "item", 200)

        def drop(rec: logging.LogRecord) -> bool:
            return False

        logger.addFilter(drop)  # a logger's own filter still decides
        Client().get("/items/5/")
        logger.removeFilter(drop)
        logger.disabled = True  # and a disabled logger stays silent
        Client().get("/items/5/")
        logger.disabled = False
        assert len(keep.records) == 1
        Client().get("/items/5/")
        assert len(keep.records) == 2
    finally:
        logger.disabled = False
        logger.removeHandler(keep)
