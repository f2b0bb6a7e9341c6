"""BaseQuerySet: get_by_id, bulk_insert, composition with a project's queryset, outdated()."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from infra_core.db import BaseQuerySet, acting_as
from infra_core.errors import NotFoundError
from tests.db.conftest import EPOCH
from tests.testapp.models_db import Article, Row, Tag

pytestmark = pytest.mark.django_db


def test_get_by_id_existing_row_returns_it() -> None:
    article = Article.objects.create(title="a")
    assert Article.objects.get_by_id(article.pk) == article


def test_get_by_id_missing_row_raises_not_found_with_details() -> None:
    with pytest.raises(NotFoundError) as caught:
        Article.objects.get_by_id(987654)
    assert caught.value.status == 404
    assert caught.value.details == {"resource": "article", "id": "987654"}


def test_get_by_id_malformed_id_raises_not_found() -> None:
    with pytest.raises(NotFoundError):
        Article.objects.get_by_id("not-a-number")


def test_get_by_id_respects_the_querysets_filters() -> None:
    article = Article.objects.create(title="draft")
    with pytest.raises(NotFoundError):
        Article.objects.titled("published").get_by_id(article.pk)


def test_project_queryset_keeps_base_methods_when_composed() -> None:
    qs = Article.objects.titled("x")
    assert isinstance(qs, BaseQuerySet)
    assert hasattr(qs, "paginate_cursor") and hasattr(qs, "titled")


def test_bulk_insert_generator_inserts_in_batches_of_batch_size() -> None:
    rows = (Row(bucket=i, created=EPOCH) for i in range(25))
    with CaptureQueriesContext(connection) as queries:
        inserted = Row.objects.bulk_insert(rows, batch_size=10)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert inserted == 25
    assert len(inserts) == 3
    assert Row.objects.count() == 25


def test_bulk_insert_fills_audit_timestamps_version_and_schema_version() -> None:
    with acting_as("importer"):
        Article.objects.bulk_insert([Article(title="one"), Article(title="two")])
    rows = list(Article.objects.order_by("title"))
    assert {(a.created_by, a.updated_by, a.version, a.schema_version) for a in rows} == {
        ("importer", "importer", 1, 2)
    }
    assert all(a.updated_at is not None and a.created_at is not None for a in rows)


@pytest.mark.django_db(transaction=True)
def test_bulk_insert_failing_batch_inserts_nothing() -> None:
    tags = [Tag(name=f"t{i}") for i in range(5)] + [Tag(name="t0")]
    with pytest.raises(IntegrityError):
        Tag.all_objects.bulk_insert(tags, batch_size=2)
    assert Tag.all_objects.count() == 0


def test_bulk_insert_batch_size_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        Row.objects.bulk_insert([], batch_size=0)


def test_outdated_returns_rows_below_the_model_schema_version() -> None:
    old = Article.objects.create(title="old")
    Article.objects.filter(pk=old.pk).update(schema_version=1)
    Article.objects.create(title="new")
    assert list(Article.objects.outdated()) == [old]


def test_outdated_on_a_model_without_schema_version_raises_type_error() -> None:
    with pytest.raises(TypeError, match="SchemaVersionedModel"):
        Row.objects.outdated()
