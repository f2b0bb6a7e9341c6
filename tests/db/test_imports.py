"""Nothing at import: atomic_with_retry is importable and usable as a decorator before setup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration

CODE = """
from infra_core.db import atomic_with_retry

@atomic_with_retry(attempts=2)
def later() -> None: ...

@atomic_with_retry
def bare() -> None: ...

print("imported")
"""


def test_decorating_at_import_reads_no_settings_and_needs_no_app_registry() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "imported"
