"""RETENTION_POLICIES parsing: the defaults, merging, and every E60x problem (checks == runtime)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from infra_core.retention.policies import parse_policies, resolve
from infra_core.retention.system_checks import check_policies


def labels(raw: Any) -> list[str]:
    return sorted(p.label for p in parse_policies(raw)[0])


def problem_ids(raw: Any) -> list[str]:
    return [p.id for p in parse_policies(raw)[1]]


def test_parse_empty_settings_gives_infra_core_defaults() -> None:
    assert labels({}) == [
        "infra_core.DeadLetter",
        "infra_core.HealthTransition",
        "infra_core.RateLimitViolation",
    ]


def test_parse_defaults_never_delete_task_runs() -> None:
    # A leftover run is a lost task that ``infra_dlq sweep`` dead-letters; age alone never
    # removes that trace.
    assert "infra_core.TaskRun" not in labels({})
    assert "infra_core.TaskRun" in labels(
        {"infra_core.TaskRun": {"older_than": "30d", "field": "started_at"}}
    )


def test_parse_dead_letter_default_keeps_pending_rows() -> None:
    policy = next(p for p in parse_policies({})[0] if p.label == "infra_core.DeadLetter")
    assert "pending" not in policy.filter["status__in"]
    assert policy.field == "last_failed_at" and policy.older_than == timedelta(days=30)


def test_parse_user_entry_overrides_default_whatever_the_case() -> None:
    policies, _ = parse_policies(
        {"infra_core.healthtransition": {"older_than": "7d", "field": "at"}}
    )
    health = [p for p in policies if p.label == "infra_core.HealthTransition"]
    assert len(health) == 1 and health[0].older_than == timedelta(days=7)


def test_parse_none_turns_a_default_off() -> None:
    assert "infra_core.HealthTransition" not in labels({"infra_core.HealthTransition": None})


def test_parse_project_model_policy_is_added() -> None:
    policies, problems = parse_policies(
        {"testapp.RetentionLog": {"older_than": "2h", "filter": {"kind": "old"}}}
    )
    log = next(p for p in policies if p.label == "testapp.RetentionLog")
    assert not problems and log.field == "created_at" and log.older_than == timedelta(hours=2)


@pytest.mark.parametrize(
    ("raw", "check_id"),
    [
        (["testapp.RetentionLog"], "infra_core.E601"),
        ({"testapp.RetentionLog": "30d"}, "infra_core.E601"),
        ({"testapp.RetentionLog": {"older_than": "30d", "colour": "red"}}, "infra_core.E601"),
        ({"testapp.RetentionLog": {"field": "created_at"}}, "infra_core.E601"),
        ({"testapp.NoSuchModel": {"older_than": "30d"}}, "infra_core.E602"),
        ({"nolabel": {"older_than": "30d"}}, "infra_core.E602"),
        ({"testapp.RetentionLog": {"older_than": "30d", "field": "kind"}}, "infra_core.E603"),
        ({"testapp.RetentionLog": {"older_than": "30d", "field": "nope"}}, "infra_core.E603"),
        ({"testapp.RetentionLog": {"older_than": "soon"}}, "infra_core.E604"),
        ({"testapp.RetentionLog": {"older_than": "0d"}}, "infra_core.E604"),
        ({"testapp.RetentionLog": {"older_than": "30d", "filter": ["kind"]}}, "infra_core.E605"),
        (
            {"testapp.RetentionLog": {"older_than": "30d", "filter": {"colour": 1}}},
            "infra_core.E605",
        ),
        ({"testapp.RetentionGuarded": {"older_than": "30d"}}, "infra_core.E606"),
        ({"testapp.RetentionLog": {"older_than": "30d", "batch_size": 0}}, "infra_core.E607"),
        ({"testapp.RetentionLog": {"older_than": "30d", "database": "nope"}}, "infra_core.E607"),
    ],
)
def test_parse_bad_entry_reports_its_check_id(raw: Any, check_id: str) -> None:
    assert problem_ids(raw) == [check_id]


def test_parse_protected_model_message_names_the_referencing_field() -> None:
    (problem,) = parse_policies({"testapp.RetentionGuarded": {"older_than": "30d"}})[1]
    assert "testapp.RetentionGuard.guarded" in problem.message and "PROTECT" in problem.message


def test_check_reports_the_problem_with_id_value_and_hint(settings: Any) -> None:
    settings.INFRA_CORE = {"RETENTION_POLICIES": {"testapp.RetentionLog": {"older_than": "soon"}}}
    (message,) = check_policies()
    assert message.id == "infra_core.E604" and "'soon'" in message.msg and message.hint


def test_check_defaults_only_is_clean(settings: Any) -> None:
    settings.INFRA_CORE = {}
    assert check_policies() == []


def test_resolve_bad_entry_raises_the_same_problem_as_the_check() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"infra_core\.E602"):
        resolve({"testapp.Nope": {"older_than": "1d"}})


def test_parse_older_than_accepts_a_timedelta() -> None:
    policies, problems = parse_policies(
        {"testapp.RetentionLog": {"older_than": timedelta(hours=6)}}
    )
    log = next(p for p in policies if p.label == "testapp.RetentionLog")
    assert not problems and log.older_than == timedelta(hours=6)
