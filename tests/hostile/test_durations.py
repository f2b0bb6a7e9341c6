"""Durations ("90s", "30d"): the settings parsers and every command option that takes one.

Each text is a timedelta that can be subtracted from now, or the one clear error (SettingError
for settings, a usage error with exit code 2 for commands); never an OverflowError traceback.
Case D-08 (retention refuses bad ages) of the reliability catalogue.
"""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from infra_core.conf import SettingError
from infra_core.parsers import MAX_AGE_DAYS, age, duration
from infra_core.tasks.models import DeadLetter
from tests.hostile.conftest import BOUNDED, HOSTILE_CHARS, QUICK

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_FORM = re.compile(r"([0-9]+)([smhdw])", re.ASCII)

shaped = st.builds(
    lambda n, u, pad: f"{pad}{n}{u}{pad}",
    st.one_of(st.integers(0, 10**6), st.integers(0, 10**30)).map(str),
    st.sampled_from([*_UNITS, "ms", "D", "y", ""]),
    st.sampled_from(["", " ", "\n", "\t"]),
)
texts = st.one_of(shaped, st.text(alphabet="0123456789smhdw-. " + HOSTILE_CHARS, max_size=20),
                  st.text(max_size=20))  # fmt: skip


@BOUNDED
@given(text=texts)
@example(text="99999999999w")  # OverflowError from timedelta before the bound
@example(text="999999d")  # a timedelta, but now - it was an OverflowError
@example(text="9" * 5000 + "s")  # int() refuses >4300 digits
@example(text="0d")
@example(text="-5d")
def test_age_is_a_usable_timedelta_or_a_setting_error(text: str) -> None:
    try:
        value = age(text)
    except SettingError as exc:
        assert str(exc).startswith("is ")  # completes "INFRA_CORE['KEY'] = <value> ..."
        return
    assert timedelta(0) <= value <= timedelta(days=MAX_AGE_DAYS)
    assert timezone.now() - value < timezone.now() or value == timedelta(0)
    form = _FORM.fullmatch(text.strip())
    if form is not None:
        assert value == timedelta(seconds=int(form[1]) * _UNITS[form[2]])


@QUICK
@given(value=st.one_of(texts, st.integers(), st.none(), st.timedeltas()))
def test_duration_is_positive_or_a_setting_error(value: object) -> None:
    try:
        parsed = duration(value)
    except SettingError:
        return
    assert parsed > timedelta(0)


def _valid(text: str) -> bool:
    try:
        age(text)
    except SettingError:
        return False
    return True


COMMANDS = [
    ("infra_dlq", "list", "--older-than"),
    ("infra_dlq", "list", "--newer-than"),
    ("infra_dlq", "purge", "--older-than"),
    ("infra_ratelimit", "purge-violations", "--older-than"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("command", "action", "flag"), COMMANDS, ids=lambda v: str(v))
@settings(QUICK, max_examples=15)
@given(text=texts.filter(lambda t: t != "" and not t.startswith("-")))  # "": flag unset
@example(text="99999999999w")
@example(text="999999d")
def test_command_duration_options_work_or_exit_2(
    command: str, action: str, flag: str, text: str
) -> None:
    before = DeadLetter.objects.count()
    out, err = StringIO(), StringIO()
    extra = ["--dry-run"] if action == "purge" and command == "infra_dlq" else []
    try:
        call_command(command, action, flag, text, *extra, stdout=out, stderr=err)
    except CommandError as exc:
        valid = _valid(text)
        # 2: a usage error naming the value; 3: a valid age that matched nothing (documented).
        assert exc.returncode == (3 if valid else 2), (exc, exc.returncode)
        if not valid:
            assert flag in str(exc) and "Traceback" not in str(exc)
    except SystemExit as exc:  # argparse refusing the value itself (e.g. "-5d" read as a flag)
        assert exc.code == 2
    assert DeadLetter.objects.count() == before


@pytest.mark.parametrize("text", ["\uff13\uff10d", "\u0663d", "3\uff10s"])
def test_age_with_non_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(SettingError, match="is not a duration"):
        age(text)
