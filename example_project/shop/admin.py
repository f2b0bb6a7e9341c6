from __future__ import annotations

from django.contrib import admin

from example_project.shop.models import Item, Sale


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "price_cents", "version", "updated_by", "updated_at")
    readonly_fields = ("version", "created_by", "updated_by", "created_at", "updated_at")


@admin.register(Sale)
class SaleAdmin(admin.ModelAdmin):
    list_display = ("id", "item", "event_id", "request_id", "created_at")
