"""The shipped alerting rules pass ``promtool check rules`` and ``promtool test rules``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from infra_core.ops import RULES
from tests.ops.conftest import RULES_TEST, rules

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS_MD = ROOT / "docs" / "operations.md"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)


def test_rules_promtool_check_rules_passes(promtool: str) -> None:
    result = _run(promtool, "check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout


def test_rules_promtool_test_rules_passes(promtool: str) -> None:
    result = _run(promtool, "test", "rules", str(RULES_TEST))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_promtool_test_rules_fails_on_a_wrong_expectation(
    promtool: str, tmp_path: Path
) -> None:
    # The unit tests can fail: the same file with one expected label changed is rejected.
    broken = RULES_TEST.read_text().replace("task: billing.charge}", "task: mail.send}", 1)
    assert broken != RULES_TEST.read_text()
    copy = tmp_path / "rules_test.yml"
    copy.write_text(broken.replace("../../infra_core/", f"{ROOT}/infra_core/"))
    result = _run(promtool, "test", "rules", str(copy))
    assert result.returncode != 0
    assert "InfraCoreDeadLettersRecorded" in result.stdout + result.stderr


def test_rules_every_alert_is_unit_tested() -> None:
    tested = set(re.findall(r"alertname: (\w+)", RULES_TEST.read_text()))
    assert {rule["alert"] for rule in rules()} <= tested


def test_rules_every_alert_has_summary_description_and_severity() -> None:
    for rule in rules():
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]


def test_rules_every_runbook_url_is_an_anchor_of_operations_md() -> None:
    headings = re.findall(r"^#{2,4} (\S+)", OPERATIONS_MD.read_text(), re.M)
    anchors = {h.lower() for h in headings}
    for rule in rules():
        assert rule["annotations"]["runbook_url"] == (f"docs/operations.md#{rule['alert'].lower()}")
        assert rule["alert"].lower() in anchors, f"no runbook section for {rule['alert']}"
