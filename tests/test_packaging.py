"""The wheel a user installs is typed and carries everything the app needs at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.integration
def test_wheel_contains_typed_package_and_app_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("infra_core-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "infra_core/py.typed",
        "infra_core/apps.py",
        "infra_core/migrations/__init__.py",
        "infra_core/migrations/0002_dead_letter.py",
        "infra_core/migrations/0003_ratelimit_violation.py",
        "infra_core/migrations/0004_dead_letter_closed_by.py",
        "infra_core/templates/admin/infra_core/deadletter/change_form.html",
        "infra_core/templates/admin/infra_core/deadletter/replay_with_delay.html",
    ):
        assert required in names
    assert not any(n.startswith(("tests/", "example_project/", "bench/")) for n in names)
    metadata = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    )
    assert "Requires-Python: >=3.11" in metadata
    assert "Provides-Extra: all" in metadata
