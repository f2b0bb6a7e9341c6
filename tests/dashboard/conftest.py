"""Fixtures for the dashboard tests: users with and without the permission, fixed health checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from infra_core.health import registry, reports, transitions
from tests.health.checks_for_tests import spec

URL = "/admin/infra_core/infrastructure/"
CHECKS = [spec("CountingCheck", name="counting"), spec("FailCheck", name="down", critical=False)]


@pytest.fixture(autouse=True)
def _health_checks(settings: Any) -> Iterator[None]:
    """Two real checks (one passes, one fails); no cached report crosses tests."""
    settings.INFRA_CORE = {**getattr(settings, "INFRA_CORE", {}), "HEALTH_CHECKS": CHECKS}
    reports.results_cache.clear()
    registry.reset()
    transitions.forget()
    yield
    reports.results_cache.clear()
    registry.reset()
    transitions.forget()


def staff(django_user_model: Any, username: str, codenames: list[str]) -> Any:
    user = django_user_model.objects.create_user(username, password="pw-dash-1", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def admin_client_dash(db: None, django_user_model: Any) -> Client:
    """A superuser's client (holds every permission, including the dashboard's)."""
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


@pytest.fixture
def viewer(db: None, django_user_model: Any) -> Client:
    """A staff user holding only ``infra_core.view_infrastructure``."""
    client = Client()
    client.force_login(staff(django_user_model, "viewer", ["view_infrastructure"]))
    return client
