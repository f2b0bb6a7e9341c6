"""Read-only admin for health transitions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from infra_core.admin_base import ReadOnlyRecordsMixin
from infra_core.health.models import HealthTransition

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[HealthTransition]
else:  # ModelAdmin is not subscriptable at runtime without django-stubs-ext
    _Base = admin.ModelAdmin


@admin.register(HealthTransition)
class HealthTransitionAdmin(ReadOnlyRecordsMixin, _Base):
    list_display = ["at", "check_name", "previous", "status", "message", "process"]
    list_filter = ["status", "check_name"]
    search_fields = ["check_name", "message"]
    date_hierarchy = "at"
