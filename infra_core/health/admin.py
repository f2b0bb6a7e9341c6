"""Read-only admin for health transitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from infra_core.health.models import HealthTransition

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[HealthTransition]
else:  # ModelAdmin is not subscriptable at runtime without django-stubs-ext
    _Base = admin.ModelAdmin


@admin.register(HealthTransition)
class HealthTransitionAdmin(_Base):
    list_display = ["at", "check_name", "previous", "status", "message", "process"]
    list_filter = ["status", "check_name"]
    search_fields = ["check_name", "message"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
