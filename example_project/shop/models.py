"""Item uses the repository mixins: optimistic locking, audit columns, timestamps."""

from __future__ import annotations

from django.db import models

from infra_core.db import AuditedModel, BaseManager, TimestampedModel, VersionedModel


class Item(VersionedModel, AuditedModel, TimestampedModel):
    name = models.CharField(max_length=100)
    price_cents = models.PositiveIntegerField(default=0)

    objects: BaseManager[Item] = BaseManager()

    class Meta:
        indexes = [models.Index(fields=["created_at", "id"], name="shop_item_created_id")]

    def __str__(self) -> str:
        return self.name

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.pk,
            "name": self.name,
            "price_cents": self.price_cents,
            "version": self.version,
            "updated_by": self.updated_by,
        }


class Sale(TimestampedModel):
    """One row per ``item.sold`` event: the handler is idempotent on the event id."""

    event_id = models.CharField(max_length=36, unique=True)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="sales")
    request_id = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"sale of {self.item_id} ({self.event_id})"
