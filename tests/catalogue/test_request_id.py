"""Catalogue C (request id and log injection): long ids, thread isolation, control characters."""

from __future__ import annotations

import json
import re
import threading
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import django
import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _rejected(reason: str) -> float:
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value("infra_core_request_ids_rejected_total", {"reason": reason})
    return value or 0.0


def test_q03_8000_byte_id_is_replaced_and_no_log_line_grows_with_it(json_logs: Any) -> None:
    value = "a" * 8000  # below gunicorn's 8190-byte header line limit
    before, invalid = _rejected("too_long"), _rejected("invalid")
    response = Client().get("/ping/", HTTP_X_REQUEST_ID=value)
    assert _rejected("too_long") == before + 1
    Client().get("/ping/", HTTP_X_REQUEST_ID="bad id\r\n")
    assert _rejected("invalid") == invalid + 1
    rid = response["X-Request-ID"]
    assert rid != value and len(rid) == 32
    assert value[:200] not in json_logs.text
    assert json_logs.records  # the request was logged ...
    assert max(len(line) for line in json_logs.text.splitlines()) < 2048  # ... in short lines


def test_q06_200_concurrent_requests_each_log_only_their_own_id(json_logs: Any) -> None:
    sent = [f"q06-{uuid.uuid4().hex}" for _ in range(200)]
    barrier = threading.Barrier(20)

    def one(rid: str) -> tuple[str, str, str]:
        client = Client()
        if sent.index(rid) < 20:
            barrier.wait(10)  # the first 20 start together
        with_header = client.get("/slow/?s=0.01", HTTP_X_REQUEST_ID=rid)
        without = client.get("/ping/")  # same thread, next request, no header
        return rid, with_header["X-Request-ID"], without.json()["request_id"]

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, sent))
    fresh = set()
    for rid, echoed, next_id in results:
        assert echoed == rid
        assert next_id not in sent  # no bleed of the previous request's id on this thread
        fresh.add(next_id)
    assert len(fresh) == len(sent)  # every header-less request got its own fresh id
    access = [r for r in json_logs.by_logger("infra_core.access") if r.get("route") == "slow"]
    assert len(access) == len(sent)
    assert {r["request_id"] for r in access} == set(sent)


@pytest.mark.parametrize("path", ["/nope%0Aforged%20line/", "/x%1B[2J%0D%0A{}/"])
def test_q07_control_characters_in_the_path_stay_escaped_in_one_json_line(
    path: str, json_logs: Any
) -> None:
    response = Client().get(path)
    assert response.status_code == 404
    lines = [line for line in json_logs.text.split("\n") if line]
    assert lines
    for line in lines:
        record = json.loads(line)  # every line is one whole JSON record
        assert isinstance(record, dict)
        assert not re.search(r"[\x00-\x1f\x7f]", line)  # no raw control character in the line


def test_q07_django_is_pinned_at_or_above_the_log_injection_fix() -> None:
    assert django.VERSION[:3] >= (5, 2, 3)  # CVE-2025-48432 and its follow-up
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pin = next(
        d for d in deps if d.lower().startswith("django>=") or d.lower().startswith("django ")
    )
    low = tuple(int(p) for p in re.search(r">=\s*([\d.]+)", pin).group(1).split("."))  # type: ignore[union-attr]
    assert low >= (5, 2, 3), pin
