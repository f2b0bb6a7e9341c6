"""RETENTION_POLICIES: every entry is a Policy or a Problem with an E6xx ID; parsing never raises.

Case D-08 (0, negative, None or non-int retention is refused) of the reliability catalogue.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from infra_core.retention.policies import parse_policies
from tests.hostile.conftest import BOUNDED, HOSTILE_CHARS

pytestmark = pytest.mark.django_db

LABELS = ["infra_core.DeadLetter", "infra_core.deadletter", "testapp.Row", "nope.Model", "",
          "a.b.c", "infra_core", "auth.User", "sessions.Session"]  # fmt: skip
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                    st.timedeltas())  # fmt: skip
ages = st.one_of(scalars, st.sampled_from(["30d", "0d", "-1d", "99999999999w", "999999d", "1s",
                                           "30", "d", " 7d ", "7d\n", "1e3d"]))  # fmt: skip
specs = st.one_of(
    scalars,
    st.lists(scalars, max_size=2),
    st.fixed_dictionaries(
        {"older_than": ages},
        optional={
            "field": st.one_of(st.sampled_from(["created", "last_failed_at", "id", "nope",
                                                "created__lt", ""]), scalars),
            "filter": st.one_of(st.dictionaries(st.sampled_from(["status", "status__in", "bad",
                                                                 "id__gt", "pk"]), scalars,
                                                max_size=2), scalars),
            "batch_size": scalars,
            "database": st.one_of(st.sampled_from(["default", "nope"]), scalars),
            "surprise": scalars,
        },
    ),
)  # fmt: skip
labels = st.one_of(st.sampled_from(LABELS), st.text(alphabet="ab._" + HOSTILE_CHARS, max_size=12))
raw_policies = st.one_of(scalars, st.dictionaries(labels, specs, max_size=3))


@BOUNDED
@given(raw=raw_policies)
@example(raw={"testapp.Row": {"older_than": "99999999999w", "field": "created"}})
@example(raw={"testapp.Row": {"older_than": "0d", "field": "created"}})
@example(raw={"testapp.Row": {"older_than": timedelta(days=-1), "field": "created"}})
@example(raw={"testapp.Row": {"older_than": 30, "field": "created"}})
@example(raw={"testapp.Row": {"older_than": None, "field": "created"}})
def test_every_entry_is_a_usable_policy_or_an_e6xx_problem(raw: object) -> None:
    policies, problems = parse_policies(raw)
    for problem in problems:
        assert problem.id.startswith("infra_core.E60"), problem
        assert problem.message and problem.hint
    for policy in policies:
        assert policy.older_than > timedelta(0)  # zero and negative ages are refused
        assert policy.cutoff(datetime.now(UTC)) < datetime.now(UTC)  # no OverflowError
    if isinstance(raw, dict):
        for label, spec in raw.items():
            older = spec.get("older_than") if isinstance(spec, dict) else None
            if older in (None, 0, "0d") or isinstance(older, int | float):
                assert not any(
                    p.model._meta.label_lower == str(label).lower()
                    and str(label) != "infra_core.DeadLetter"
                    for p in policies
                ), label
