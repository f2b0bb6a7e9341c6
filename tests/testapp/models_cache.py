"""Models for the cache invalidation tests (tests/cache/test_invalidation.py)."""

from __future__ import annotations

from django.db import models

from infra_core.cache.rules import invalidates


class CacheTag(models.Model):
    name = models.CharField(max_length=50)

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return self.name


class CacheProduct(models.Model):
    slug = models.SlugField(max_length=50)
    price = models.IntegerField(default=0)
    tags = models.ManyToManyField(CacheTag, blank=True, related_name="products")

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return self.slug


@invalidates(keys=["review:{pk}", "review-of:{product_id}"], namespaces=["reviews"])
class CacheReview(models.Model):
    product = models.ForeignKey(CacheProduct, on_delete=models.CASCADE)
    stars = models.IntegerField(default=5)

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"{self.stars} stars"
