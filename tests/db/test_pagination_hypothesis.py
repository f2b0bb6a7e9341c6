"""Generated orderings, cursors and limits through a real view: a page or a 400, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.db.conftest import insert_rows

pytestmark = pytest.mark.django_db

FIELDS = ["bucket", "label", "created", "id", "pk", "note", "data", "article", "article_id",
          "article__title", "nope", "", "-", "--bucket", "bucket__gt", "?", "objects"]  # fmt: skip
ORDERINGS = [("bucket",), ("-created", "label"), ("label", "-bucket", "created")]

term = st.builds(lambda sign, name: sign + name, st.sampled_from(["", "-"]),
                 st.one_of(st.sampled_from(FIELDS), st.text(max_size=12)))  # fmt: skip
orderings = st.lists(term, min_size=0, max_size=5).map(",".join)
limits = st.one_of(st.integers(-5, 10**6).map(str), st.text(max_size=6), st.just("20"))


@pytest.fixture
def real_cursors(client: Client) -> list[str]:
    insert_rows(60, buckets=4)
    found: list[str] = []
    for ordering in ORDERINGS:
        params = {"order_by": ",".join(ordering), "limit": "7"}
        body = client.get("/db/rows/", params).json()
        following = client.get("/db/rows/", {**params, "after": body["next_cursor"]}).json()
        found += [body["next_cursor"], following["prev_cursor"]]
    return found


def _mutate(token: str, position: int, char: str) -> str:
    if not token:
        return char
    i = position % len(token)
    return token[:i] + char + token[i + 1 :]


def _check(client: Client, params: dict[str, Any]) -> None:
    response = client.get("/db/rows/", {k: v for k, v in params.items() if v is not None})
    assert response.status_code in (200, 400), (params, response.content[:300])
    body = response.json()
    if response.status_code == 400:
        assert body["error"]["code"] in ("invalid_cursor", "invalid_ordering", "validation_error")
        assert body["error"]["details"]["parameter"] in ("after", "before", "order_by", "limit")
    else:
        assert len(body["ids"]) == len(set(body["ids"]))


@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    ordering=st.one_of(st.sampled_from([",".join(o) for o in ORDERINGS]), orderings),
    which=st.sampled_from(["after", "before"]),
    pick=st.integers(0, 5),
    mutate=st.one_of(st.none(), st.tuples(st.integers(0, 500), st.characters())),
    limit=limits,
)
def test_generated_ordering_and_real_or_mutated_cursor_is_a_page_or_400(
    client: Client,
    real_cursors: list[str],
    ordering: str,
    which: str,
    pick: int,
    mutate: tuple[int, str] | None,
    limit: str,
) -> None:
    token = real_cursors[pick]
    if mutate is not None:
        token = _mutate(token, *mutate)
    _check(client, {"order_by": ordering, which: token, "limit": limit})


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(ordering=orderings, token=st.one_of(st.none(), st.text(max_size=200)), limit=limits)
def test_generated_ordering_and_arbitrary_cursor_text_is_a_page_or_400(
    client: Client, real_cursors: list[str], ordering: str, token: str | None, limit: str
) -> None:
    _check(client, {"order_by": ordering, "after": token, "limit": limit})


def test_real_cursor_with_its_own_ordering_is_a_page(
    client: Client, real_cursors: list[str]
) -> None:
    response = client.get("/db/rows/", {"order_by": "bucket", "after": real_cursors[0]})
    assert response.status_code == 200 and response.json()["has_prev"]
