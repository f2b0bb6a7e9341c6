"""The operations kit's files, and promtool (Debian package ``prometheus``) when installed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_core.ops import DASHBOARD, RULES

HERE = Path(__file__).resolve().parent
RULES_TEST = HERE / "rules_test.yml"


@pytest.fixture
def promtool() -> str:
    """Return the promtool binary, or skip saying how to install it."""
    binary = shutil.which("promtool")
    if binary is None:
        pytest.skip("promtool is not installed: run `make ops-deps` as root (apt-get prometheus)")
    return binary


def rules() -> list[dict[str, Any]]:
    """Return every alerting rule of the shipped rules file."""
    data = yaml.safe_load(RULES.read_text())
    return [rule for group in data["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    """Return the shipped Grafana dashboard."""
    return dict(json.loads(DASHBOARD.read_text()))
