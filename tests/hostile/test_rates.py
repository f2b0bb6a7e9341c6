"""Rate strings: each parses to a Rate the Redis engine can run, or is one clear ValueError/E202.

Rate strings come from settings, plans and decorators, never from clients; a bad one must still
fail ``manage.py check`` with an ID instead of failing requests at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core import checks
from django.core.cache import caches
from django.test import override_settings
from django_redis import get_redis_connection
from hypothesis import example, given
from hypothesis import strategies as st

from infra_core.ratelimit.decision import hit
from infra_core.ratelimit.rates import MAX_WINDOW, Rate, parse_rate
from tests.hostile.conftest import BOUNDED, HOSTILE_CHARS, QUICK

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_FORM = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]*)\s*([smhd])\s*", re.ASCII)

numbers = st.one_of(st.integers(0, 10**6).map(str), st.integers(0, 10**40).map(str), st.just(""))
shaped = st.builds(
    lambda c, sp1, m, u, sp2: f"{sp1}{c}/{m}{u}{sp2}",
    numbers,
    st.sampled_from(["", " ", "\t", "\n"]),
    numbers,
    st.sampled_from([*_UNITS, "w", "ms", "S", "", "/"]),
    st.sampled_from(["", " ", "\n", "x"]),
)
rate_texts = st.one_of(shaped, st.text(alphabet="0123456789/smhd " + HOSTILE_CHARS, max_size=30),
                       st.text(max_size=30))  # fmt: skip


@BOUNDED
@given(text=rate_texts)
@example(text="1/99999999999999999d")  # accepted before: Redis failed it at run time (fail_open)
@example(text="1/9999999999d")  # accepted before: µs precision lost, reset reported as 0
@example(text="9" * 5000 + "/s")  # int() refuses >4300 digits: still the one ValueError
@example(text="5/ m")
@example(text="0/m")
@example(text="1/0s")
def test_a_rate_string_parses_to_a_runnable_rate_or_raises_value_error(text: str) -> None:
    try:
        rate = parse_rate(text)
    except ValueError as exc:
        assert str(exc)  # a message, never an empty error
        return
    assert isinstance(rate, Rate)
    assert rate.limit >= 1 and 1 <= rate.window <= MAX_WINDOW
    form = _FORM.fullmatch(text)
    if form is not None:  # ASCII digits: the documented meaning
        assert rate.limit == int(form[1])
        assert rate.window == int(form[2] or 1) * _UNITS[form[3]]
    assert parse_rate(str(rate)) == rate  # "10/30s" round-trips


@QUICK
@given(value=st.one_of(rate_texts, st.integers(), st.floats(), st.none(), st.lists(st.text())))
def test_the_system_check_reports_every_bad_rate_with_an_id_and_never_raises(value: object) -> None:
    with override_settings(INFRA_CORE={"RATELIMIT_RATES": {"api": value}}):
        messages = checks.run_checks()
    ours = [m for m in messages if m.id == "infra_core.E202"]
    try:
        parse_rate(value)
    except ValueError:
        assert ours, f"{value!r} is refused at run time but passes the check"
        assert all(m.hint for m in ours)
    else:
        assert not ours


@pytest.fixture
def delete_buckets() -> Iterator[None]:
    yield
    client = get_redis_connection("default")
    for key in client.scan_iter(match=caches["default"].make_key("rl:{hostile-rates:*"), count=500):
        client.delete(key)


@pytest.mark.usefixtures("delete_buckets")
@pytest.mark.parametrize("text", ["1/3650d", "1/1s", "100000/m", "3/10h"])
def test_accepted_extremes_run_on_real_redis(text: str) -> None:
    """The longest and densest accepted rates decide on Redis (not via the outage policy)."""
    rate = parse_rate(text)
    assert rate is not None
    first = hit("hostile-rates", f"extreme-{text}", rate)
    assert first.outcome == "allowed" and first.allowed
    keys = list(get_redis_connection("default").scan_iter(match="*rl:{hostile-rates:*"))
    assert keys and all(get_redis_connection("default").ttl(k) > 0 for k in keys)
    assert 0 < first.reset <= rate.window
    if rate.limit == 1:
        second = hit("hostile-rates", f"extreme-{text}", rate)
        assert second.outcome == "blocked" and not second.allowed


@pytest.mark.parametrize("text", ["\uff11\uff10/m", "10/\uff12m", "10\u2003/m", "\u0661\u0660/s"])
def test_rate_with_non_ascii_digits_or_spaces_is_refused(text: str) -> None:
    # \d and \s in Python regexes match other scripts' digits and Unicode spaces; int() reads them.
    with pytest.raises(ValueError, match="is not a rate"):
        parse_rate(text)
