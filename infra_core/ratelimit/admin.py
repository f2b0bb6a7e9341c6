"""Read-only admin for rate-limit violations; superusers may delete rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from infra_core.ratelimit.models import RateLimitViolation

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[RateLimitViolation]
else:  # ModelAdmin is not subscriptable at runtime without django-stubs-ext
    _Base = admin.ModelAdmin


@admin.register(RateLimitViolation)
class RateLimitViolationAdmin(_Base):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))
