"""Who may open the dashboard: staff holding infra_core.view_infrastructure, and superusers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.dashboard.conftest import URL, staff


def test_dashboard_url_is_stable_inside_the_admin() -> None:
    assert reverse("admin:infra_core_infrastructure_changelist") == URL


def test_dashboard_permission_is_created_by_migrate(db: None) -> None:
    perm = Permission.objects.get(codename="view_infrastructure")
    assert perm.content_type.app_label == "infra_core"
    assert perm.name == "Can view the infrastructure dashboard"
    # The model has no table and no add/change/delete/view defaults.
    assert not Permission.objects.filter(
        content_type=perm.content_type, codename__in=["add_infrastructure", "change_infrastructure"]
    ).exists()


def test_dashboard_anonymous_is_sent_to_login(client: Client, db: None) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={URL}"


def test_dashboard_non_staff_is_refused_even_with_the_permission(
    db: None, django_user_model: Any
) -> None:
    user = django_user_model.objects.create_user("plain", password="pw-dash-1")
    user.user_permissions.set(Permission.objects.filter(codename="view_infrastructure"))
    client = Client()
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_dashboard_staff_without_the_permission_gets_403(db: None, django_user_model: Any) -> None:
    client = Client()
    client.force_login(staff(django_user_model, "dlqonly", ["view_deadletter"]))
    assert client.get(URL).status_code == 403
    # ...and the admin index does not offer the link (the DLQ one, yes).
    index = client.get("/admin/").content.decode()
    assert 'href="/admin/infra_core/deadletter/"' in index
    assert f'href="{URL}"' not in index


def test_dashboard_staff_with_the_permission_gets_the_page(viewer: Client) -> None:
    response = viewer.get(URL)
    assert response.status_code == 200
    assert response.templates[0].name == "admin/infra_core/dashboard.html"
    assert "<title>Infrastructure" in response.content.decode()


def test_dashboard_superuser_gets_the_page(admin_client_dash: Client) -> None:
    assert admin_client_dash.get(URL).status_code == 200


def test_dashboard_is_linked_from_the_admin_index_app_section(viewer: Client) -> None:
    index = viewer.get("/admin/").content.decode()
    section = index.split('class="app-infra_core', 1)[1].split("</table>", 1)[0]
    assert f'<a href="{URL}"' in section
    assert "Infrastructure dashboard" in section
    # No add link: the model has no rows.
    assert "addlink" not in section


def test_dashboard_refuses_post(viewer: Client) -> None:
    assert viewer.post(URL).status_code == 405
