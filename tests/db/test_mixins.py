"""Mixins: timestamps, audit actors, optimistic locking on save(), soft delete, uniqueness."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from infra_core import context
from infra_core.db import VersionConflictError, acting_as, current_actor
from tests.testapp.models_db import Article, Label, Tag

pytestmark = pytest.mark.django_db


def test_timestamped_save_moves_updated_at_and_keeps_created_at() -> None:
    article = Article.objects.create(title="a")
    created, updated = article.created_at, article.updated_at
    article.title = "b"
    article.save()
    article.refresh_from_db()
    assert article.created_at == created
    assert article.updated_at > updated


def test_timestamped_save_with_update_fields_still_writes_updated_at() -> None:
    article = Article.objects.create(title="a")
    before = article.updated_at
    article.title = "b"
    article.save(update_fields=["title"])
    article.refresh_from_db()
    assert article.updated_at > before


def test_audited_create_records_the_context_user_as_creator_and_updater() -> None:
    with context.bind(user_id="42"):
        article = Article.objects.create(title="a")
    assert (article.created_by, article.updated_by) == ("42", "42")


def test_audited_save_by_another_actor_changes_only_updated_by() -> None:
    with acting_as("alice"):
        article = Article.objects.create(title="a")
    with acting_as("bob"):
        article.title = "b"
        article.save(update_fields=["title"])
    article.refresh_from_db()
    assert (article.created_by, article.updated_by) == ("alice", "bob")


def test_audited_without_actor_records_empty_string() -> None:
    assert current_actor() == ""
    assert Article.objects.create(title="a").created_by == ""


def test_acting_as_user_instance_records_its_pk() -> None:
    from django.contrib.auth.models import User

    user = User.objects.create(username="u")
    with acting_as(user):
        assert Article.objects.create(title="a").created_by == str(user.pk)


def test_acting_as_too_long_actor_is_refused() -> None:
    with pytest.raises(ValueError, match="1-150"), acting_as("x" * 151):
        pass


def test_versioned_create_starts_at_one_and_each_save_adds_one() -> None:
    article = Article.objects.create(title="a")
    assert article.version == 1
    article.save()
    article.save(update_fields=["title"])
    article.refresh_from_db()
    assert article.version == 3


def test_versioned_save_of_stale_instance_raises_conflict_with_current_version() -> None:
    article = Article.objects.create(title="a")
    stale = Article.objects.get(pk=article.pk)
    article.title = "first"
    article.save()
    stale.title = "second"
    # A savepoint: like any exception out of save(), a conflict dooms the enclosing atomic block.
    with pytest.raises(VersionConflictError) as caught, transaction.atomic():
        stale.save()
    assert caught.value.status == 409
    assert caught.value.details == {"current_version": 2, "expected_version": 1}
    assert stale.version == 1  # unchanged: nothing was written
    assert Article.objects.get(pk=article.pk).title == "first"


def test_versioned_save_of_deleted_row_raises_conflict_without_reinserting() -> None:
    article = Article.objects.create(title="a")
    Article.objects.filter(pk=article.pk).delete()
    with pytest.raises(VersionConflictError) as caught, transaction.atomic():
        article.save()
    assert caught.value.current_version is None
    assert not Article.objects.filter(pk=article.pk).exists()


def test_update_versioned_matching_version_writes_and_returns_next() -> None:
    article = Article.objects.create(title="a")
    with acting_as("carol"):
        assert Article.objects.update_versioned(article.pk, 1, title="b") == 2
    article.refresh_from_db()
    assert (article.title, article.version, article.updated_by) == ("b", 2, "carol")


def test_update_versioned_stale_version_raises_conflict_naming_current() -> None:
    article = Article.objects.create(title="a")
    Article.objects.update_versioned(article.pk, 1, title="b")
    with pytest.raises(VersionConflictError) as caught:
        Article.objects.update_versioned(article.pk, 1, title="c")
    assert caught.value.details == {"current_version": 2, "expected_version": 1}


def test_update_versioned_missing_row_raises_not_found() -> None:
    from infra_core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        Article.objects.update_versioned(123456, 1, title="x")


def test_update_versioned_conflict_leaves_the_enclosing_transaction_usable() -> None:
    article = Article.objects.create(title="a")
    with pytest.raises(VersionConflictError):
        Article.objects.update_versioned(article.pk, 7, title="b")
    assert Article.objects.get(pk=article.pk).title == "a"


def test_soft_delete_hides_row_from_objects_but_not_all_objects() -> None:
    tag = Tag.objects.create(name="t")
    tag.delete()
    assert not Tag.objects.filter(pk=tag.pk).exists()
    assert Tag.all_objects.get(pk=tag.pk).is_deleted


def test_soft_delete_records_actor_and_bumps_version() -> None:
    tag = Tag.objects.create(name="t")
    with acting_as("dave"):
        tag.delete()
    row = Tag.all_objects.get(pk=tag.pk)
    assert (row.updated_by, row.version) == ("dave", 2)


def test_soft_delete_of_stale_instance_raises_conflict() -> None:
    tag = Tag.objects.create(name="t")
    Tag.objects.get(pk=tag.pk).save()
    with pytest.raises(VersionConflictError), transaction.atomic():
        tag.delete()
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_soft_delete_queryset_delete_marks_only_live_rows() -> None:
    Tag.objects.create(name="a")
    Tag.objects.create(name="b").delete()
    count, by_model = Tag.objects.all().delete()
    assert (count, by_model) == (1, {"testapp.Tag": 1})
    assert Tag.objects.count() == 0 and Tag.all_objects.count() == 2


def test_hard_delete_removes_the_row() -> None:
    tag = Tag.objects.create(name="t")
    tag.hard_delete()
    assert not Tag.all_objects.filter(pk=tag.pk).exists()


def test_queryset_hard_delete_removes_marked_rows_too() -> None:
    Tag.objects.create(name="a").delete()
    Tag.all_objects.all().hard_delete()
    assert Tag.all_objects.count() == 0


def test_restore_brings_a_deleted_row_back() -> None:
    tag = Tag.objects.create(name="t")
    tag.delete()
    tag.restore()
    assert Tag.objects.filter(pk=tag.pk).exists()
    assert Tag.all_objects.deleted().restore() == 0


def test_soft_deleted_row_keeps_a_plain_unique_value_taken() -> None:
    Tag.objects.create(name="same").delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="same")


def test_soft_deleted_row_frees_a_value_unique_among_live_rows() -> None:
    Label.objects.create(name="same").delete()
    Label.objects.create(name="same")
    assert Label.all_objects.filter(name="same").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Label.objects.create(name="same")


def test_schema_versioned_create_records_the_model_schema_version() -> None:
    assert Article.objects.create(title="a").schema_version == 2


def test_timestamps_are_aware_datetimes() -> None:
    article = Article.objects.create(title="a")
    assert article.created_at.tzinfo is not None
    assert isinstance(article.created_at, datetime.datetime)


def test_soft_delete_with_own_queryset_keeps_hiding_and_its_methods() -> None:
    Label.objects.create(name="red1")
    Label.objects.create(name="red2").delete()
    assert [label.name for label in Label.objects.named("red")] == ["red1"]
    assert Label.all_objects.named("red").count() == 2
