"""Environment values for every infra_core.env Var type: a typed value or one Invalid problem.

``EnvSchema.validate`` never raises, and a secret's value appears in no problem line, no report
JSON and no log line, whatever the value looks like.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from infra_core.env import EnvSchema, Var
from infra_core.env.types import PARSERS, Invalid
from tests.conftest import JsonLogCapture
from tests.hostile.conftest import BOUNDED, HOSTILE_CHARS, QUICK, assert_clean_logs, reset

KINDS = sorted(PARSERS)
raw_values = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="0123456789.-+eEinfatyrulsmhdw:/@#%?=&[] " + HOSTILE_CHARS, max_size=40),
    st.sampled_from(["postgres://u:p@h:99999/db", "redis://[::1", "http://h:abc/", "1e999", "nan",
                     "-0", "9" * 5000, "1" * 400 + "d", "sqlite://", "[" * 2000 + "]" * 2000,
                     "postgres://u:pa#ss@h/db", "0x10", "\uff11\uff12", "true ", "\x00"]),
)  # fmt: skip


@BOUNDED
@given(kind=st.sampled_from(KINDS), raw=raw_values)
@example(kind="duration", raw="1" * 400 + "d")
@example(kind="json", raw="[" * 5000 + "]" * 5000)
@example(kind="int", raw="9" * 5000)
@example(kind="db_url", raw="postgres://u:p@h:99999/db")
def test_every_type_parses_or_raises_invalid(kind: str, raw: str) -> None:
    var = Var(kind, default=None)
    try:
        var.parse(raw)
    except Invalid as exc:
        assert str(exc)
        if len(raw.strip()) >= 12:  # the message never carries the value (secrets!)
            assert raw.strip() not in str(exc)


@QUICK
@given(
    kind=st.sampled_from(KINDS),
    secret=st.text(alphabet="abcdefghjkmnpqrstuvwxyz23456789#@:/%", min_size=6, max_size=30).map(
        lambda s: f"Sx9{s}9xS"  # unmistakable: never a word of a message by chance
    ),
)
@example(kind="db_url", secret="postgres://user:hunter2hunter2@db/x#frag")
@example(kind="int", secret="hunter2hunter2")
def test_a_secret_value_reaches_no_report_and_no_log_line(
    kind: str, secret: str, json_logs: JsonLogCapture
) -> None:
    reset(json_logs)
    schema = EnvSchema(prefix="HX_", HX_VALUE=Var(kind, secret=True, help="hostile"))
    report = schema.validate({"HX_VALUE": secret, "HX_TYPO": "x"})
    text = json.dumps([p.as_dict() for p in report.problems]) + " ".join(
        p.line() for p in report.problems
    )
    assert secret not in text
    assert secret not in json.dumps(report.shown, default=str)
    assert_clean_logs(json_logs, secret)


@pytest.mark.parametrize("kind", KINDS)
def test_load_raises_one_improperly_configured_listing_the_problem(kind: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    schema = EnvSchema(prefix="HX_", HX_VALUE=Var(kind, secret=True))
    with pytest.raises(ImproperlyConfigured) as info:
        schema.load({})
    assert "HX_VALUE" in str(info.value)
