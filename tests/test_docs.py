"""Every check ID, setting and metric in code is documented; every check ID is defined once."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from django.utils.module_loading import import_string

from infra_core.apps import CONCERNS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "infra_core"
DOCS = ROOT / "docs"
ID_RE = re.compile(r'id="(infra_core\.[EW]\d{3})"')


def _code_ids() -> list[str]:
    found: list[str] = []
    for path in PACKAGE.rglob("*.py"):
        found.extend(ID_RE.findall(path.read_text()))
    return found


def test_docs_every_check_id_in_code_is_listed_in_checks_md() -> None:
    documented = set(re.findall(r"`(infra_core\.[EW]\d{3})`", (DOCS / "checks.md").read_text()))
    missing = sorted(set(_code_ids()) - documented)
    assert not missing, f"undocumented check IDs: {missing}"


def test_docs_checks_md_lists_each_id_once() -> None:
    rows = re.findall(r"^\| `(infra_core\.[EW]\d{3})`", (DOCS / "checks.md").read_text(), re.M)
    dupes = [i for i, n in Counter(rows).items() if n > 1]
    assert rows and not dupes, f"listed twice: {dupes}"


def test_docs_check_ids_are_not_reused_across_modules() -> None:
    owners: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for check_id in ID_RE.findall(path.read_text()):
            owners.setdefault(check_id, set()).add(path.parent.name)
    shared = {i: sorted(m) for i, m in owners.items() if len(m) > 1}
    assert not shared, f"one ID raised by several concerns: {shared}"


def _own_settings() -> list[str]:
    """Names declared by infra_core's own concerns (a project's concerns document their own)."""
    return [
        setting.name for path in CONCERNS for setting in import_string(f"{path}.CONCERN").settings
    ]


def test_docs_every_setting_is_in_settings_md() -> None:
    text = (DOCS / "settings.md").read_text()
    missing = [key for key in _own_settings() if f"`{key}`" not in text]
    assert not missing, f"undocumented settings: {missing}"


def test_docs_every_metric_is_documented() -> None:
    source = (PACKAGE / "metrics" / "definitions.py").read_text()
    names = re.findall(r'"(infra_core_[a-z_]+)"', source)
    docs = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    missing = [n for n in names if n not in docs]
    assert names and not missing, f"undocumented metrics: {missing}"


def test_docs_every_management_command_is_documented() -> None:
    commands = [p.stem for p in (PACKAGE / "management" / "commands").glob("infra_*.py")]
    docs = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    missing = [c for c in commands if c not in docs]
    assert not missing, f"undocumented commands: {missing}"
