from __future__ import annotations

import asyncio
import json

import pytest
from django.test import AsyncClient, Client, override_settings

HOSTILE = [
    pytest.param("a" * 129, id="too-long"),
    pytest.param("abc\r\nX-Injected: 1", id="crlf"),
    pytest.param("abc\nfake log line", id="lf"),
    pytest.param("ümlaut-id", id="non-ascii"),
    pytest.param('abc"def', id="double-quote"),
    pytest.param("abc'def", id="single-quote"),
    pytest.param("", id="empty"),
    pytest.param("a b", id="space"),
]


def test_request_id_absent_generates_hex_id_and_echoes_it() -> None:
    response = Client().get("/ping/")
    rid = response["X-Request-ID"]
    assert len(rid) == 32 and int(rid, 16) >= 0
    assert response.json()["request_id"] == rid
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("value", ["abc-123", "req.1:2_3", "A" * 128, "3f2b1c9e-7d1a-4e0b-9f3e"])
def test_request_id_valid_incoming_is_kept_and_echoed(value: str) -> None:
    response = Client().get("/ping/", headers={"X-Request-ID": value})
    assert response["X-Request-ID"] == value
    assert response.json()["request_id"] == value


@pytest.mark.parametrize("value", HOSTILE)
def test_request_id_hostile_incoming_is_replaced_and_never_logged(value: str, json_logs) -> None:
    response = Client().get("/ping/", HTTP_X_REQUEST_ID=value)
    rid = response["X-Request-ID"]
    assert rid != value and len(rid) == 32
    if value:
        assert value not in json_logs.text
        assert json.dumps(value)[1:-1] not in json_logs.text
    access = json_logs.by_logger("infra_core.access")
    assert access and access[-1]["request_id"] == rid


@override_settings(INFRA_CORE={"REQUEST_ID_HEADER": "X-Correlation-ID"})
def test_request_id_custom_header_name_is_read_and_echoed() -> None:
    response = Client().get("/ping/", headers={"X-Correlation-ID": "corr-1"})
    assert response["X-Correlation-ID"] == "corr-1"
    assert "X-Request-ID" not in response


@override_settings(INFRA_CORE={"REQUEST_ID_TRUST_INCOMING": False})
def test_request_id_untrusted_mode_ignores_valid_incoming() -> None:
    response = Client().get("/ping/", headers={"X-Request-ID": "abc-123"})
    assert response["X-Request-ID"] != "abc-123"


def test_request_id_async_view_sees_its_own_id_under_concurrency() -> None:
    async def run() -> list[tuple[str, str]]:
        client = AsyncClient()

        async def one(i: int) -> tuple[str, str]:
            resp = await client.get("/aping/?sleep=0.02", headers={"X-Request-ID": f"req-{i}"})
            return f"req-{i}", json.loads(resp.content)["request_id"]

        return await asyncio.gather(*(one(i) for i in range(20)))

    for sent, seen in asyncio.run(run()):
        assert sent == seen


def test_request_id_context_is_reset_after_request() -> None:
    from infra_core import context

    Client().get("/ping/", headers={"X-Request-ID": "leak-check"})
    assert context.get_request_id() is None
