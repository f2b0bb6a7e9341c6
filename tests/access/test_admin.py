"""infra_core's admin pages for anonymous and non-staff users: the login redirect, no content."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
PAGES = ["/admin/", "/admin/infra_core/", "/admin/infra_core/deadletter/",
         "/admin/infra_core/taskrun/", "/admin/infra_core/ratelimitviolation/",
         "/admin/infra_core/healthtransition/"]  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["anonymous", "non-staff", "inactive-staff"])
def test_admin_pages_redirect_to_login(page: str, who: str, django_user_model: Any) -> None:
    client = Client(raise_request_exception=False)
    if who != "anonymous":
        user = django_user_model.objects.create_user(
            "someone", password=None, is_staff=who == "inactive-staff"
        )
        if who == "inactive-staff":
            user.is_active = False
            user.save()
        client.force_login(user)
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("page", PAGES[2:])
def test_staff_without_view_permission_gets_403(page: str, django_user_model: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(django_user_model.objects.create_user("staff", password=None, is_staff=True))
    assert client.get(page).status_code == 403
