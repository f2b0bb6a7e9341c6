"""Invalidation on model change: after commit only, every change path, failures never raised."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from infra_core.cache import cache_invalidated, get_or_compute, version
from infra_core.cache.invalidation import invalidate_for, invalidating_update
from tests.cache.conftest import sample
from tests.testapp.models_cache import CacheProduct, CacheReview, CacheTag

RULES = {
    "testapp.CacheProduct": {
        "keys": ["product:{pk}", "product-slug:{slug}"],
        "namespaces": ["products"],
    },
    "testapp.CacheTag": {"keys": ["tag:{pk}"]},
}


@pytest.fixture(autouse=True)
def _rules(settings: Any) -> None:
    settings.INFRA_CORE = {"CACHE_INVALIDATION": RULES}


def _cached(key: str) -> bool:
    """Return True if ``key`` holds an entry (a miss would compute the sentinel)."""
    return get_or_compute(key, lambda: "absent") != "absent"


def _fill(key: str) -> None:
    from infra_core.cache import invalidate

    invalidate(key)
    get_or_compute(key, lambda: "cached")


@pytest.mark.django_db(transaction=True)
def test_invalidation_committed_save_deletes_declared_key() -> None:
    product = CacheProduct.objects.create(slug="p1")
    _fill(f"product:{product.pk}")
    with transaction.atomic():
        product.price = 5
        product.save()
        assert _cached(f"product:{product.pk}")  # not before commit
    assert not _cached(f"product:{product.pk}")


@pytest.mark.django_db(transaction=True)
def test_invalidation_rolled_back_save_invalidates_nothing() -> None:
    product = CacheProduct.objects.create(slug="p2")
    _fill(f"product:{product.pk}")
    bumped = version("products")
    with pytest.raises(RuntimeError), transaction.atomic():
        product.price = 9
        product.save()
        raise RuntimeError("roll back")
    assert _cached(f"product:{product.pk}")
    assert version("products") == bumped


@pytest.mark.django_db
def test_invalidation_save_bumps_namespace(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    before = version("products")
    with django_capture_on_commit_callbacks(execute=True):
        CacheProduct.objects.create(slug="p3")
    assert version("products") != before


@pytest.mark.django_db
def test_invalidation_delete_deletes_declared_keys(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    product = CacheProduct.objects.create(slug="p4")
    pk = product.pk
    _fill(f"product:{pk}")
    _fill("product-slug:p4")
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert not _cached(f"product:{pk}")
    assert not _cached("product-slug:p4")


@pytest.mark.django_db
def test_invalidation_m2m_add_deletes_both_sides(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    product = CacheProduct.objects.create(slug="p5")
    tag = CacheTag.objects.create(name="t")
    _fill(f"product:{product.pk}")
    _fill(f"tag:{tag.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        product.tags.add(tag)
    assert not _cached(f"product:{product.pk}")
    assert not _cached(f"tag:{tag.pk}")


@pytest.mark.django_db
def test_invalidation_update_helper_deletes_old_and_new_keys(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    product = CacheProduct.objects.create(slug="old")
    _fill("product-slug:old")
    _fill("product-slug:new")
    with django_capture_on_commit_callbacks(execute=True):
        updated = invalidating_update(CacheProduct.objects.filter(pk=product.pk), slug="new")
    assert updated == 1
    assert not _cached("product-slug:old")
    assert not _cached("product-slug:new")


@pytest.mark.django_db
def test_invalidation_bulk_update_helper_deletes_keys(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    products = [CacheProduct.objects.create(slug=f"b{i}") for i in range(3)]
    for p in products:
        _fill(f"product:{p.pk}")
    for p in products:
        p.price = 7
    with django_capture_on_commit_callbacks(execute=True):
        CacheProduct.objects.bulk_update(products, ["price"])
        assert invalidate_for(products) == 3
    assert not any(_cached(f"product:{p.pk}") for p in products)


@pytest.mark.django_db
def test_invalidation_bulk_create_helper_bumps_namespace(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    before = version("products")
    with django_capture_on_commit_callbacks(execute=True):
        created = CacheProduct.objects.bulk_create([CacheProduct(slug="c1")])
        invalidate_for(created)
    assert version("products") != before


@pytest.mark.django_db
def test_invalidation_sends_cache_invalidated_signal(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    seen: list[dict[str, Any]] = []

    def observe(sender: Any, **kwargs: Any) -> None:
        seen.append({"sender": sender, **kwargs})

    cache_invalidated.connect(observe)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            product = CacheProduct.objects.create(slug="sig")
    finally:
        cache_invalidated.disconnect(observe)
    assert seen[0]["sender"] is CacheProduct
    assert set(seen[0]["keys"]) == {f"product:{product.pk}", "product-slug:sig"}
    assert seen[0]["namespaces"] == ("products",)
    assert seen[0]["ok"] is True


@pytest.mark.django_db
def test_invalidation_registry_decorator_form_deletes_keys(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    product = CacheProduct.objects.create(slug="r")
    review = CacheReview.objects.create(product=product)
    _fill(f"review:{review.pk}")
    _fill(f"review-of:{product.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        review.stars = 1
        review.save()
    assert not _cached(f"review:{review.pk}")
    assert not _cached(f"review-of:{product.pk}")


@pytest.mark.django_db
def test_invalidation_model_without_rules_schedules_nothing(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from django.contrib.auth.models import Group

    with django_capture_on_commit_callbacks() as callbacks:
        Group.objects.create(name="g")
    assert callbacks == []


@pytest.fixture
def dead_alias() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: connections are refused
    from django.conf import settings

    caches = {
        **settings.CACHES,
        "dead": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        },
    }
    rules = {"testapp.CacheTag": {"keys": ["tag:{pk}"], "namespaces": ["tags"], "alias": "dead"}}
    with override_settings(CACHES=caches, INFRA_CORE={"CACHE_INVALIDATION": rules}):
        yield "dead"


@pytest.mark.django_db
def test_invalidation_redis_down_save_succeeds_and_failure_is_counted(
    dead_alias: str, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    before = sample("infra_core_cache_invalidations_total", source="model", outcome="failed")
    with django_capture_on_commit_callbacks(execute=True):
        tag = CacheTag.objects.create(name="down")
    assert CacheTag.objects.filter(pk=tag.pk).exists()
    assert (
        sample("infra_core_cache_invalidations_total", source="model", outcome="failed")
        == before + 1
    )


@pytest.mark.django_db
def test_invalidation_template_field_missing_save_succeeds(settings: Any) -> None:
    settings.INFRA_CORE = {"CACHE_INVALIDATION": {"testapp.CacheTag": {"keys": ["tag:{nope}"]}}}
    before = sample("infra_core_cache_invalidations_total", source="model", outcome="failed")
    CacheTag.objects.create(name="bad template")
    assert (
        sample("infra_core_cache_invalidations_total", source="model", outcome="failed")
        == before + 1
    )


@pytest.mark.django_db
def test_invalidation_undeclared_model_keeps_fast_delete() -> None:
    from django.contrib.sessions.models import Session
    from django.db.models.deletion import Collector

    assert Collector(using="default").can_fast_delete(Session.objects.all())


@pytest.mark.django_db
def test_invalidation_queryset_delete_deletes_declared_keys(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    tag = CacheTag.objects.create(name="qs")
    _fill(f"tag:{tag.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        CacheTag.objects.filter(pk=tag.pk).delete()
    assert not _cached(f"tag:{tag.pk}")
