"""Read-only admin for rate-limit violations; superusers may delete rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from infra_core.admin_base import ReadOnlyRecordsMixin
from infra_core.ratelimit.models import RateLimitViolation

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[RateLimitViolation]
else:  # ModelAdmin is not subscriptable at runtime without django-stubs-ext
    _Base = admin.ModelAdmin


@admin.register(RateLimitViolation)
class RateLimitViolationAdmin(ReadOnlyRecordsMixin, _Base):
    list_display = [
        "window_start",
        "scope",
        "key_kind",
        "key",
        "key_digest",
        "plan",
        "count",
        "first_at",
        "last_at",
        "last_path",
    ]
    list_filter = ["scope", "plan", "key_kind", "window_start"]
    search_fields = ["key", "key_digest", "last_request_id"]
    date_hierarchy = "window_start"
    list_select_related = False
