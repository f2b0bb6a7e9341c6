"""Each type's parser: typical values, the documented errors, and arbitrary text (hypothesis)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from infra_core.env import EnvSchema, Invalid, Var
from infra_core.env.report import HIDDEN
from infra_core.env.types import PARSERS

KINDS = sorted(PARSERS)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "env.md"


def _documented_errors() -> set[str]:
    """Return the parse errors docs/env.md lists (the "Parse errors" table)."""
    section = DOCS.read_text().split("### Parse errors", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`((?:is|has|contains) [^`]+)`", section))


DOCUMENTED = _documented_errors()


def _assert_documented(exc: Invalid) -> None:
    message = re.sub(r"^has an item \d+ that ", "", str(exc))
    message = re.sub(r"line \d+ column \d+", "line N column N", message)
    assert message in DOCUMENTED, f"undocumented parse error {message!r}"


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None)
@given(raw=st.text(max_size=200))
def test_types_any_text_parses_or_gives_documented_error(kind: str, raw: str) -> None:
    try:
        Var(kind).parse(raw)
    except Invalid as exc:
        _assert_documented(exc)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=100, deadline=None)
@given(raw=st.text(alphabet="0123456789:/@#?%.,-+=_ab[]{}", max_size=80))
def test_types_url_like_text_parses_or_gives_documented_error(kind: str, raw: str) -> None:
    try:
        Var(kind).parse(raw)
    except Invalid as exc:
        _assert_documented(exc)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None)
@given(raw=st.text(min_size=12, max_size=60))
def test_types_secret_value_never_appears_in_a_problem(kind: str, raw: str) -> None:
    assume(" " not in raw and "/" not in raw and raw.strip() == raw)
    # A choice no value can match: every raw value gives a problem, parsed or not.
    report = EnvSchema(X=Var(kind, secret=True, choices=["\x00"])).validate({"X": raw})
    (problem,) = report.problems
    assert problem.shown == HIDDEN and raw not in problem.problem


@settings(max_examples=100, deadline=None)
@given(value=st.integers(min_value=-(10**30), max_value=10**30))
def test_types_int_round_trips(value: int) -> None:
    assert Var(int).parse(str(value)) == value


@settings(max_examples=100, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_types_float_round_trips(value: float) -> None:
    assert Var(float).parse(repr(value)) == value


@settings(max_examples=50, deadline=None)
@given(seconds=st.integers(min_value=0, max_value=10**6), unit=st.sampled_from("smhdw"))
def test_types_duration_units_multiply(seconds: int, unit: str) -> None:
    factor = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    assert Var("duration").parse(f"{seconds}{unit}") == timedelta(seconds=seconds * factor)


def test_types_float_exponent_is_not_mangled() -> None:
    # django-environ's own float cast turns "1e5" into 15.0.
    assert Var(float).parse("1e5") == 100000.0


@pytest.mark.parametrize("raw", ["nan", "inf", "12abc"])
def test_types_float_non_finite_or_garbage_is_invalid(raw: str) -> None:
    with pytest.raises(Invalid):
        Var(float).parse(raw)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("Yes", True), ("0", False)])
def test_types_bool_known_words_parse(raw: str, expected: bool) -> None:
    assert Var(bool).parse(raw) is expected


def test_types_bool_unknown_word_is_invalid_not_false() -> None:
    with pytest.raises(Invalid, match="is not a boolean"):
        Var(bool).parse("flase")


def test_types_db_url_uses_django_environ_config() -> None:
    config = Var("db_url").parse("postgres://app:p%23ss@db:5432/shop")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["PASSWORD"], config["HOST"], config["PORT"], config["NAME"]) == (
        "p#ss",
        "db",
        5432,
        "shop",
    )


def test_types_db_url_raw_hash_in_password_is_invalid() -> None:
    with pytest.raises(Invalid, match="%23"):
        Var("db_url").parse("postgres://app:p#ss@db:5432/shop")


def test_types_db_url_without_name_is_invalid() -> None:
    with pytest.raises(Invalid, match="no database name"):
        Var("db_url").parse("postgres://app@db:5432")


def test_types_cache_url_unknown_scheme_is_invalid() -> None:
    with pytest.raises(Invalid, match="no known cache scheme"):
        Var("cache_url").parse("memcachedd://x")


def test_types_cache_url_redis_gives_location() -> None:
    assert Var("cache_url").parse("redis://127.0.0.1:6379/1")["LOCATION"] == (
        "redis://127.0.0.1:6379/1"
    )


def test_types_url_bad_port_is_invalid() -> None:
    with pytest.raises(Invalid, match="bad host or port"):
        Var("url").parse("https://host:99999/")


def test_types_json_error_gives_position_not_content() -> None:
    with pytest.raises(Invalid, match=r"line 1 column 9"):
        Var("json").parse('{"a": 1,}')


def test_types_json_deep_nesting_is_invalid() -> None:
    with pytest.raises(Invalid, match="nested too deeply"):
        Var("json").parse("[" * 100_000)


def test_types_list_items_are_stripped_and_typed() -> None:
    assert Var(list, item=int).parse("1, 2,,3") == [1, 2, 3]


def test_types_list_bad_item_names_its_position() -> None:
    with pytest.raises(Invalid, match="item 2 that is not an integer"):
        Var(list, item=int).parse("1,x")


def test_types_path_is_absolute() -> None:
    assert Var("path").parse("media") == Path.cwd() / "media"


def test_types_min_length_on_an_int_is_a_declaration_error() -> None:
    with pytest.raises(ValueError, match="min_length applies to"):
        Var(int, min_length=3)


def test_types_huge_duration_is_invalid() -> None:
    with pytest.raises(Invalid, match="too large"):
        Var("duration").parse("9" * 30 + "w")


@pytest.mark.parametrize(
    ("kind", "raw"),
    [(int, "\uff14\uff12"), (int, "\u0664\u0662"), (float, "\uff11.5"), ("duration", "\uff15s")],
)
def test_types_numbers_are_ascii_digits_only(kind: object, raw: str) -> None:
    # int() reads fullwidth "\\uff14\\uff12" as 42: a setting in another script's digits is a typo.
    with pytest.raises(Invalid) as caught:
        Var(kind).parse(raw)
    _assert_documented(caught.value)
