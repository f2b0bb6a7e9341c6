"""``manage.py infra_cleanup`` through call_command: summary, JSON, flags, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.retention.conftest import LOG, logs
from tests.testapp.models_retention import RetentionLog

pytestmark = pytest.mark.django_db


def cleanup(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("infra_cleanup", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args: str) -> CommandError:
    with pytest.raises(CommandError) as info:
        cleanup(*args)
    return info.value


@pytest.fixture(autouse=True)
def log_policy(policies: Callable[..., None]) -> None:
    # The fixture rows are 40 and 1 days old relative to a fixed date long past: a far older
    # age keeps "fresh" rows fresh when the command's cutoff comes from the real clock.
    policies({LOG: {"older_than": "1d"}})


def test_cleanup_prints_a_summary_row_per_policy() -> None:
    logs(expired=3, fresh=0)
    out, _ = cleanup("--only", LOG)
    row = next(line for line in out.splitlines() if line.startswith(LOG))
    assert row.split()[1:5] == ["done", "3", "0", "1"]
    assert "deleted 3 row(s) in 1 policy(ies)." in out


def test_cleanup_json_reports_rows_batches_and_seconds() -> None:
    logs(expired=5, fresh=0)
    out, _ = cleanup("--only", LOG, "--json", "--batch-size", "2")
    report = json.loads(out)
    (policy,) = report["policies"]
    assert report["ok"] and (policy["model"], policy["rows"], policy["batches"]) == (LOG, 5, 3)
    assert policy["seconds"] >= 0


def test_cleanup_dry_run_deletes_nothing_and_says_would_delete() -> None:
    logs(expired=4, fresh=0)
    out, _ = cleanup("--only", LOG, "--dry-run")
    assert "would delete 4 row(s)" in out and RetentionLog.objects.count() == 4


def test_cleanup_without_only_runs_every_policy() -> None:
    report = json.loads(cleanup("--json")[0])
    assert {p["model"] for p in report["policies"]} >= {LOG, "infra_core.DeadLetter"}


def test_cleanup_progress_on_a_pipe_is_plain_lines() -> None:
    logs(expired=3, fresh=0)
    _, err = cleanup("--only", LOG, "--batch-size", "1")
    assert f"infra_cleanup: {LOG}: 3 rows, 3 batches" in err and "\r" not in err


def test_cleanup_verbosity_zero_prints_no_progress() -> None:
    _, err = cleanup("--only", LOG, "-v", "0")
    assert err == ""


@pytest.mark.parametrize("args", [["--batch-size", "0"], ["--sleep", "-1"], ["--max-seconds", "0"]])
def test_cleanup_bad_flag_exits_two(args: list[str]) -> None:
    assert fails(*args).returncode == 2


def test_cleanup_unknown_only_label_exits_two_naming_it() -> None:
    error = fails("--only", "app.Gone")
    assert error.returncode == 2 and "'app.Gone'" in str(error)


def test_cleanup_bad_policy_setting_exits_two(policies: Callable[..., None]) -> None:
    policies({LOG: {"older_than": "soon"}})
    assert fails().returncode == 2


def test_cleanup_failed_policy_exits_one_and_names_it(policies: Callable[..., None]) -> None:
    missing = "testapp.RetentionMissing"
    policies({LOG: {"older_than": "1d"}, missing: {"older_than": "1d"}})
    logs(expired=2, fresh=0)
    error = fails("--only", missing, LOG)
    assert error.returncode == 1 and missing in str(error) and LOG not in str(error)
    assert not RetentionLog.objects.exists()


def test_progress_reporter_on_a_terminal_draws_a_bar_in_place() -> None:
    from django.core.management.base import OutputWrapper

    from infra_core.management.commands.infra_cleanup import ProgressReporter
    from infra_core.retention.services import Outcome

    buffer = StringIO()
    reporter = ProgressReporter(OutputWrapper(buffer), tty=True)
    reporter(Outcome(LOG, rows=10, batches=1, fraction=0.5))
    reporter(Outcome(LOG, status="done", rows=20, batches=2, fraction=1.0))
    first, second = buffer.getvalue().split("\r")[1:]
    assert first.startswith("[" + "#" * 15 + "." * 15 + "]") and "10 rows" in first
    assert second.startswith("[" + "#" * 30 + "]") and second.endswith("\n")
