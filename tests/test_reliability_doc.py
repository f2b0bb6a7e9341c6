"""docs/reliability.md names only tests that exist, and every catalogue case has a row."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
NODE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")
ROW = re.compile(r"^\| ([A-Z]-\d\d) \|", re.M)


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def test_reliability_doc_names_only_existing_tests() -> None:
    text = DOC.read_text()
    named = NODE.findall(text)
    assert len(named) > 100  # the table is there and parsed
    missing = []
    for file, name in named:
        path = ROOT / file
        if not path.is_file() or name not in _test_names(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"


def test_reliability_doc_has_one_row_per_catalogue_case_and_true_counts() -> None:
    text = DOC.read_text()
    ids = ROW.findall(text)
    assert len(ids) == len(set(ids)) == 91
    statuses = [line.rsplit("|", 2)[1].strip() for line in text.splitlines() if ROW.match(line)]
    covered = sum(s.startswith("covered") for s in statuses)
    assert f"**Covered: {covered} / 91" in text
    for line in text.splitlines():
        if ROW.match(line) and line.split("|")[3].strip() == "—":
            status = line.rsplit("|", 2)[1].strip()
            assert status.startswith(("pending:", "not covered")), line  # no test, no "covered"
