"""The walkthrough checker itself: what it accepts and, above all, what it refuses."""

from __future__ import annotations

import pytest

from tests.example.walkthrough import fill, mismatch, run_python, steps

BLOCK = """
<!-- walkthrough -->
```console
$ curl -s http://127.0.0.1:8000/a/ \\
    -H 'X-A: 1'   # later
{"a": 1, ...}
$ echo hi
hi
```
"""


def test_steps_joins_continuations_and_keeps_output() -> None:
    (first, second) = steps(BLOCK)
    assert first.command.startswith("curl -s http://127.0.0.1:8000/a/ -H 'X-A: 1'")
    assert first.later and not second.later
    assert first.expected == ['{"a": 1, ...}'] and second.expected == ["hi"]


@pytest.mark.parametrize(
    ("shown", "printed"),
    [
        ('{"a": 1, ...}', '{"a": 1, "b": 2}'),
        ('{..., "b": 2}', '{"a": 1, "b": 2}'),
        ('{"a": "..."}', '{"a": [1, 2]}'),
        ('{"m": "Retry after ... s."}', '{"m": "Retry after 59 s."}'),
        ('{"l": [{"id": 1, ...}, ...]}', '{"l": [{"id": 1, "x": 0}, {"id": 2}]}'),
        ('{"q": "\\"2\\""}', '{"q": "\\"2\\""}'),
        ("id  task   status", "id task status"),
        ("Retry-After: ...", "Retry-After: 60"),
    ],
)
def test_mismatch_accepts_abridged_output(shown: str, printed: str) -> None:
    assert mismatch([shown], printed) is None


@pytest.mark.parametrize(
    ("shown", "printed"),
    [
        ('{"a": 1, ...}', '{"a": 2, "b": 2}'),
        ('{"a": 1}', '{"b": 1}'),
        ('{"l": [{"id": 1}]}', '{"l": [{"id": 1}, {"id": 2}]}'),  # no "..." : same length
        ('{"n": 1}', '{"n": true}'),
        ('{"n": null}', '{"n": "x"}'),
        ("HTTP/1.1 200 OK", "HTTP/1.1 429 Too Many Requests"),
        ("200 200 200 429", "200 200 200 200"),
    ],
)
def test_mismatch_refuses_what_differs(shown: str, printed: str) -> None:
    assert mismatch([shown], printed) == shown


def test_mismatch_needs_the_shown_order() -> None:
    assert mismatch(["b", "a"], "a\nb\n") == "a"
    assert mismatch(["a", "...", "b"], "a\nx\nb\n") is None


def test_fill_takes_the_last_value_and_refuses_an_unknown_name() -> None:
    assert fill("?after=<next_cursor>", {"next_cursor": "abc"}) == "?after=abc"
    with pytest.raises(AssertionError, match="no earlier output"):
        fill("?after=<next_cursor>", {})


def test_run_python_refuses_what_it_cannot_interpret() -> None:
    with pytest.raises(AssertionError, match="not in the interpreter's subset"):
        run_python("wget http://127.0.0.1:1/", {})
    with pytest.raises(AssertionError, match="curl option"):
        run_python("curl --compressed http://127.0.0.1:1/", {})


def test_run_python_loops_and_echo() -> None:
    assert run_python("for i in 1 2; do echo x; done; echo", {}) == "x\nx\n\n"
