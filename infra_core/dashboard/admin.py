"""The dashboard in the admin: one page at /admin/infra_core/infrastructure/, staff + permission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from infra_core.dashboard import views
from infra_core.dashboard.models import Infrastructure

if TYPE_CHECKING:
    _Base = admin.ModelAdmin[Infrastructure]
else:  # ModelAdmin is not subscriptable at runtime without django-stubs-ext
    _Base = admin.ModelAdmin

PERMISSION = "infra_core.view_infrastructure"


@admin.register(Infrastructure)
class InfrastructureAdmin(_Base):
    """No rows to list or edit: the "changelist" URL serves the dashboard."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        # admin_view: anonymous and non-staff users go to the login page; staff without the
        # permission get a 403 below; the page only reads (GET/HEAD). The name is the one
        # the admin index links to.
        view = self.admin_site.admin_view(require_safe(self.dashboard_view))
        info = (self.opts.app_label, self.opts.model_name)
        return [path("", view, name="{}_{}_changelist".format(*info))]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        """Render the dashboard for a user holding ``infra_core.view_infrastructure``."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return views.render(request, self.admin_site.each_context(request))
