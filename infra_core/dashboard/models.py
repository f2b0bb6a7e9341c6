"""The dashboard's permission holder: a model with no table (``managed = False``)."""

from __future__ import annotations

from django.db import models


class Infrastructure(models.Model):
    """No rows: carries ``infra_core.view_infrastructure`` and the admin index entry."""

    class Meta:
        app_label = "infra_core"
        managed = False
        default_permissions = ()
        permissions = [("view_infrastructure", "Can view the infrastructure dashboard")]
        verbose_name = "infrastructure dashboard"
        verbose_name_plural = "infrastructure dashboard"

    def __str__(self) -> str:
        return "infrastructure dashboard"
