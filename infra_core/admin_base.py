"""What infra_core's admin pages share: records that infra_core writes and people only read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class ReadOnlyRecordsMixin:
    """Nobody adds or edits these rows in the admin; only superusers may delete them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))
