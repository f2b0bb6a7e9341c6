"""Fail-fast environment validation on django-environ: declare once, load, get every error.

``from infra_core.env import EnvSchema, Var``. Importing this package reads no Django settings:
it is meant for the settings module itself (see docs/env.md).
"""

from __future__ import annotations

from infra_core.env.report import EnvValues, Problem
from infra_core.env.schema import EnvSchema, EnvWarning, Report
from infra_core.env.types import Invalid
from infra_core.env.var import REQUIRED, Var

__all__ = [
    "REQUIRED",
    "EnvSchema",
    "EnvValues",
    "EnvWarning",
    "Invalid",
    "Problem",
    "Report",
    "Var",
]
