"""Models of the repository tests (tests/db): mixins combined as a project would."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from infra_core.db import (
    AliveManager,
    AuditedModel,
    BaseManager,
    BaseQuerySet,
    SchemaVersionedModel,
    SoftDeleteManager,
    SoftDeleteModel,
    SoftDeleteQuerySet,
    TimestampedModel,
    VersionedModel,
)


class ArticleQuerySet(BaseQuerySet["Article"]):
    """A project's own queryset on top of BaseQuerySet."""

    def titled(self, prefix: str) -> ArticleQuerySet:
        return self.filter(title__startswith=prefix)


class Article(VersionedModel, AuditedModel, TimestampedModel, SchemaVersionedModel):
    SCHEMA_VERSION = 2

    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return self.title


class Row(models.Model):
    """The pagination table: many equal sort values, one nullable and one JSON column."""

    bucket = models.IntegerField()
    label = models.CharField(max_length=40, default="")
    created = models.DateTimeField()
    note = models.CharField(max_length=40, null=True, blank=True)  # noqa: DJ001 (on purpose)
    data = models.JSONField(default=dict)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL)

    objects = BaseManager["Row"]()

    class Meta:
        app_label = "testapp"
        indexes = [models.Index(fields=["bucket", "id"]), models.Index(fields=["created", "id"])]

    def __str__(self) -> str:
        return f"row {self.pk}"


class OtherRow(models.Model):
    bucket = models.IntegerField()
    row = models.ForeignKey(Row, on_delete=models.CASCADE, related_name="others")

    objects = BaseManager["OtherRow"]()

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return f"other row {self.pk}"


class Tag(SoftDeleteModel, VersionedModel, TimestampedModel, AuditedModel):
    """Soft delete with a plain unique column: a deleted row keeps its name taken."""

    name = models.CharField(max_length=40, unique=True)

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return self.name


class LabelQuerySet(SoftDeleteQuerySet):
    """A project's own queryset on a soft-delete model."""

    def named(self, prefix: str) -> LabelQuerySet:
        return self.filter(name__startswith=prefix)


LiveLabels = AliveManager.from_queryset(LabelQuerySet)
AllLabels = SoftDeleteManager.from_queryset(LabelQuerySet)


class Label(SoftDeleteModel):
    """Soft delete with a unique constraint on live rows only: a name can be reused."""

    name = models.CharField(max_length=40)

    objects = LiveLabels()
    all_objects = AllLabels()

    class Meta:
        app_label = "testapp"
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(deleted_at__isnull=True), name="label_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """Retry tests: a balance updated by concurrent transactions."""

    name = models.CharField(max_length=40, unique=True)
    balance = models.IntegerField(default=0)

    objects = BaseManager["Account"]()

    class Meta:
        app_label = "testapp"

    def __str__(self) -> str:
        return self.name
