"""Keyset pages over 100,000 rows while another connection inserts and deletes (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from tests.db.conftest import insert_rows, postgres_only
from tests.db.test_pagination import walk_backwards, walk_forwards
from tests.testapp.models_db import Row

pytestmark = [pytest.mark.integration, postgres_only, pytest.mark.django_db(transaction=True)]

ROWS = 100_000


class Churn(threading.Thread):
    """Insert new rows and delete doomed ones on its own connection until stopped."""

    def __init__(self, doomed: list[int]) -> None:
        super().__init__(daemon=True)
        self.doomed = doomed
        self.stop = threading.Event()
        self.inserted = 0
        self.deleted = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for round_no in range(10_000):  # bounded; stopped long before
                if self.stop.is_set():
                    break
                insert_rows(50, buckets=50, start=ROWS + round_no * 50)
                self.inserted += 50
                batch = self.doomed[round_no * 50 : (round_no + 1) * 50]
                if batch:
                    self.deleted += Row.objects.filter(pk__in=batch).delete()[0]
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            connection.close()


def test_paginate_cursor_under_concurrent_writes_never_skips_or_repeats_stable_rows(
    settings: Any,
) -> None:
    settings.INFRA_CORE = {"DB_PAGE_MAX_SIZE": 500}
    insert_rows(ROWS, buckets=50)
    all_ids = list(Row.objects.order_by("pk").values_list("pk", flat=True))
    doomed = all_ids[::10]  # every tenth row is deleted while the walks run
    stable = set(all_ids) - set(doomed)

    def page_of(**kw: Any) -> Any:
        qs = Row.objects.values("id", "bucket")
        return qs.paginate_cursor(order_by=("-bucket",), limit=500, **kw)

    churn = Churn(doomed)
    churn.start()
    try:
        forwards, last = walk_forwards(page_of, key="id")
        backwards = walk_backwards(page_of, last, key="id")
    finally:
        churn.stop.set()
        churn.join(30)
    assert churn.error is None
    assert churn.inserted > 0 and churn.deleted > 0  # the walks really ran under churn
    for walk in (forwards, backwards):
        assert len(walk) == len(set(walk))  # nothing repeated, stable or not
        assert stable <= set(walk)  # nothing that existed throughout skipped
