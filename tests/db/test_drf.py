"""DRF adapters: KeysetPagination on the signed cursors; 409/412/428/400 through the handler."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from tests.db.conftest import insert_rows
from tests.testapp.models_db import Article, Row

pytestmark = pytest.mark.django_db


def _cursor(url: str) -> str:
    return parse_qs(urlparse(url).query)["cursor"][0]


def test_keyset_pagination_walks_every_row_once_and_back(client: Client) -> None:
    insert_rows(55, buckets=3)
    seen: list[int] = []
    body = client.get("/db/drf/rows/").json()
    pages = [body]
    seen += [r["id"] for r in body["results"]]
    for _ in range(10):
        if body["next"] is None:
            break
        body = client.get("/db/drf/rows/", {"cursor": _cursor(body["next"])}).json()
        pages.append(body)
        seen += [r["id"] for r in body["results"]]
    assert seen == sorted(Row.objects.values_list("pk", flat=True), reverse=True)
    back = client.get("/db/drf/rows/", {"cursor": _cursor(pages[-1]["previous"])}).json()
    assert back["results"] == pages[-2]["results"]


def test_keyset_pagination_first_page_has_no_previous_link(client: Client) -> None:
    insert_rows(5, buckets=1)
    body = client.get("/db/drf/rows/").json()
    assert body["previous"] is None and body["next"] is None and len(body["results"]) == 5


def test_keyset_pagination_forged_cursor_is_400_naming_cursor(client: Client) -> None:
    response = client.get("/db/drf/rows/", {"cursor": "forged"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["details"]["parameter"]) == ("invalid_cursor", "cursor")


def _patch(client: Client, pk: int, version: int) -> Any:
    body = json.dumps({"title": "t", "version": version})
    return client.patch(f"/db/drf/articles/{pk}/", body, content_type="application/json")


def test_drf_stale_update_versioned_is_409_envelope(client: Client) -> None:
    article = Article.objects.create(title="a")
    assert _patch(client, article.pk, 1).json() == {"version": 2}
    response = _patch(client, article.pk, 1)
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"current_version": 2, "expected_version": 1}


def test_drf_missing_if_match_is_428_envelope(client: Client) -> None:
    article = Article.objects.create(title="a")
    response = client.put(f"/db/drf/articles/{article.pk}/", '{"title": "b"}',
                          content_type="application/json")  # fmt: skip
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"


def test_drf_stale_if_match_is_412_envelope(client: Client) -> None:
    article = Article.objects.create(title="a")
    response = client.put(f"/db/drf/articles/{article.pk}/", '{"title": "b"}',
                          content_type="application/json", headers={"If-Match": '"9"'})  # fmt: skip
    assert response.status_code == 412
    assert response.json()["error"]["details"] == {"current_etag": '"1"'}


def test_keyset_pagination_client_page_size_is_capped(client: Client, settings: Any) -> None:
    settings.INFRA_CORE = {"DB_PAGE_MAX_SIZE": 3}
    insert_rows(10, buckets=1)
    body = client.get("/db/drf/limited-rows/", {"limit": "50"}).json()
    assert len(body["results"]) == 3


def test_keyset_pagination_bad_client_page_size_is_400_naming_it(client: Client) -> None:
    response = client.get("/db/drf/limited-rows/", {"limit": "-1"})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["parameter"] == "limit"
