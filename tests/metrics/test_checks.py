from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import checks

from tests.metrics.conftest import TOKEN


def _messages(id_: str) -> list[Any]:
    return [m for m in checks.run_checks(tags=["infra_core"]) if m.id == id_]


@pytest.mark.parametrize(
    ("infra", "expected", "needle"),
    [
        ({"METRICS_TOKEN": "short"}, "infra_core.E340", "<5 characters>"),
        ({"METRICS_TOKEN": 12345}, "infra_core.E340", "12345"),
        ({"METRICS_ALLOWED_IPS": "10.0.0.0/8"}, "infra_core.E341", "'10.0.0.0/8'"),
        ({"METRICS_ALLOWED_IPS": ["10.0.0.0/8", "prometheus"]}, "infra_core.E341", "'prometheus'"),
        ({"METRICS_ALLOW_STAFF": "yes"}, "infra_core.E342", "'yes'"),
        ({"METRICS_ALLOWED_IPS": ["0.0.0.0/0"]}, "infra_core.W340", "0.0.0.0/0"),
    ],
)
def test_metrics_check_bad_value_reports_id_and_value(
    settings: Any, infra: dict[str, Any], expected: str, needle: str
) -> None:
    settings.INFRA_CORE = infra
    found = _messages(expected)
    assert found and needle in found[0].msg and found[0].hint


def test_metrics_check_short_token_is_not_echoed(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": "hunter2"}
    assert "hunter2" not in _messages("infra_core.E340")[0].msg


def test_metrics_check_good_settings_report_nothing(settings: Any) -> None:
    settings.INFRA_CORE = {"METRICS_TOKEN": TOKEN, "METRICS_ALLOWED_IPS": ["10.0.0.0/8"]}
    ids = {m.id for m in checks.run_checks(tags=["infra_core"])}
    assert not {i for i in ids if i and i[12:14] == "34"}


def test_metrics_check_missing_multiproc_dir_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "absent"))
    found = _messages("infra_core.E343")
    assert found and "absent" in found[0].msg


def test_metrics_check_existing_multiproc_dir_is_silent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert not _messages("infra_core.E343")


def test_metrics_check_empty_multiproc_dir_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    found = _messages("infra_core.E343")
    assert found and "empty" in found[0].msg


def test_metrics_check_django_prometheus_route_warns(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.metrics.urls_open"
    found = _messages("infra_core.W341")
    assert found and "'prom/metrics'" in found[0].msg


def test_metrics_check_infra_core_route_only_is_silent() -> None:
    assert not _messages("infra_core.W341")
