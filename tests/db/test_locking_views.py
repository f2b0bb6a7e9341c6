"""Optimistic locking through real views: 409 for the loser of a race, 412/428 with If-Match."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.db.conftest import postgres_only
from tests.testapp.models_db import Article

pytestmark = pytest.mark.django_db


def _patch(client: Client, pk: int, title: str, version: int) -> Any:
    body = json.dumps({"title": title, "version": version})
    return client.patch(f"/db/articles/{pk}/", body, content_type="application/json")


def _put(client: Client, pk: int, title: str, **headers: str) -> Any:
    body = json.dumps({"title": title})
    return client.put(f"/db/articles/{pk}/if-match/", body, content_type="application/json",
                      headers=headers)  # fmt: skip


def test_get_answers_the_version_as_etag(client: Client) -> None:
    article = Article.objects.create(title="a")
    assert client.get(f"/db/articles/{article.pk}/")["ETag"] == '"1"'


def test_patch_at_a_stale_version_answers_409_with_current_version(client: Client) -> None:
    article = Article.objects.create(title="a")
    assert _patch(client, article.pk, "first", 1).status_code == 200
    response = _patch(client, article.pk, "second", 1)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"] == {"current_version": 2, "expected_version": 1}


def test_patch_of_a_missing_article_answers_404(client: Client) -> None:
    assert _patch(client, 99999, "x", 1).status_code == 404


@pytest.mark.integration
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_threads_patching_one_version_exactly_one_wins_other_409() -> None:
    article = Article.objects.create(title="a")
    barrier = threading.Barrier(2, timeout=10)
    statuses: list[int] = []

    def writer(title: str) -> None:
        try:
            barrier.wait()
            statuses.append(_patch(Client(), article.pk, title, 1).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(t,)) for t in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [200, 409]
    article.refresh_from_db()
    assert article.version == 2 and article.title in ("left", "right")


def test_if_match_current_etag_writes_and_answers_new_etag(client: Client) -> None:
    article = Article.objects.create(title="a")
    response = _put(client, article.pk, "b", **{"If-Match": '"1"'})
    assert response.status_code == 200 and response["ETag"] == '"2"'


def test_if_match_stale_etag_answers_412_with_current_etag(client: Client) -> None:
    article = Article.objects.create(title="a")
    Article.objects.update_versioned(article.pk, 1, title="b")
    response = _put(client, article.pk, "c", **{"If-Match": '"1"'})
    assert response.status_code == 412
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("precondition_failed", {"current_etag": '"2"'})
    assert Article.objects.get(pk=article.pk).title == "b"


def test_if_match_missing_answers_428(client: Client) -> None:
    article = Article.objects.create(title="a")
    response = _put(client, article.pk, "b")
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"


@pytest.mark.parametrize("header", ['W/"1"', "1", '"one"', '"1', ""])
def test_if_match_weak_or_malformed_tag_answers_412(client: Client, header: str) -> None:
    article = Article.objects.create(title="a")
    assert _put(client, article.pk, "b", **{"If-Match": header}).status_code == 412


def test_if_match_star_or_list_with_current_writes(client: Client) -> None:
    article = Article.objects.create(title="a")
    assert _put(client, article.pk, "b", **{"If-Match": "*"}).status_code == 200
    assert _put(client, article.pk, "c", **{"If-Match": '"7", "2"'}).status_code == 200
    assert Article.objects.get(pk=article.pk).version == 3


def test_if_match_on_missing_row_answers_404(client: Client) -> None:
    assert _put(client, 424242, "b", **{"If-Match": "*"}).status_code == 404


def test_check_if_match_optional_absent_header_passes(client: Client) -> None:
    article = Article.objects.create(title="a")
    assert client.delete(f"/db/articles/{article.pk}/delete/").status_code == 200


def test_check_if_match_mismatch_answers_412(client: Client) -> None:
    article = Article.objects.create(title="a")
    response = client.delete(f"/db/articles/{article.pk}/delete/", headers={"If-Match": '"5"'})
    assert response.status_code == 412
