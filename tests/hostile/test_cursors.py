"""Signed keyset cursors: random bytes, truncated, re-signed, another model's or ordering's cursor.

Each is a page (a real cursor) or the 400 ``invalid_cursor`` envelope naming the parameter; never
a 500 and never a page of another list. Through the real stack at /db/rows/.
"""

from __future__ import annotations

import base64

import pytest
from django.core import signing
from django.test import Client, override_settings
from hypothesis import example, given
from hypothesis import strategies as st

from infra_core.db import cursors
from infra_core.db.errors import InvalidCursorError
from infra_core.db.ordering import parse_ordering
from tests.db.conftest import insert_rows
from tests.hostile.conftest import BOUNDED, QUICK, assert_clean_logs, assert_envelope, reset
from tests.testapp.models_db import OtherRow, Row

pytestmark = pytest.mark.django_db
ORDERING = parse_ordering(Row, ["bucket"])


@pytest.fixture
def real_cursor(client: Client) -> str:
    insert_rows(30, buckets=3)
    token: str = client.get("/db/rows/", {"order_by": "bucket", "limit": "5"}).json()["next_cursor"]
    assert token
    return token


def _foreign_tokens(real: str) -> list[str]:
    """Tokens made by someone holding a key, but not ours, or for another list."""
    payload = signing.loads(real, salt=cursors._salt(Row, ORDERING))
    return [
        signing.dumps(payload, salt=cursors._salt(OtherRow, parse_ordering(OtherRow, ["id"]))),
        signing.dumps(payload, salt=cursors._salt(Row, parse_ordering(Row, ["label"]))),
        signing.dumps(payload, key="another-project-secret-key", salt=cursors._salt(Row, ORDERING)),
        signing.dumps(payload, salt="infra_core.db.cursor"),
        signing.dumps(payload),
    ]


def _mutations(real: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b).decode()),
        st.text(max_size=200),
        st.integers(0, len(real)).map(lambda n: real[:n]),  # truncated
        st.tuples(st.integers(0, len(real) - 1), st.characters()).map(
            lambda t: real[: t[0]] + t[1] + real[t[0] + 1 :]
        ),
        st.sampled_from(_foreign_tokens(real)),
        st.just(real + ":" + real),
        st.just("x" * 5000),
    )


def _resigned(payload: object) -> str:
    """A payload we signed ourselves (a code change, or a key leak) that is not a position."""
    return signing.dumps(payload, salt=cursors._salt(Row, ORDERING), compress=True)


@BOUNDED
@given(data=st.data(), which=st.sampled_from(["after", "before"]))
def test_a_bad_cursor_is_a_400_naming_the_parameter(
    data: st.DataObject, which: str, client: Client, real_cursor: str, json_logs: object
) -> None:
    token = data.draw(_mutations(real_cursor))
    reset(json_logs)  # type: ignore[arg-type]
    response = client.get("/db/rows/", {"order_by": "bucket", "limit": "5", which: token})
    if response.status_code == 200:
        # Only an unchanged signature verifies (a mutation inside the padding can be harmless).
        assert signing.loads(token, salt=cursors._salt(Row, ORDERING))
        return
    error = assert_envelope(response, 400)
    assert error["code"] in ("invalid_cursor", "validation_error"), error
    assert error["details"]["parameter"] == which
    assert_clean_logs(json_logs)  # type: ignore[arg-type]


payloads = st.one_of(
    st.none(), st.integers(), st.text(max_size=10), st.lists(st.integers(), max_size=3),
    st.fixed_dictionaries({"d": st.sampled_from(["a", "b", "x", 1]),
                           "v": st.one_of(st.lists(st.one_of(st.integers(), st.text(max_size=5),
                                                             st.none(), st.floats()), max_size=3),
                                          st.text(max_size=5), st.none())}),
)  # fmt: skip


@QUICK
@given(payload=payloads)
@example(payload={"d": "a", "v": [10**30, 1]})  # bucket out of any integer column's range
@example(payload={"d": "a", "v": ["not-an-int", 1]})
@example(payload={"d": "a", "v": [1]})  # wrong number of values
def test_a_resigned_payload_that_is_no_position_is_invalid_cursor(payload: object) -> None:
    token = _resigned(payload)
    try:
        position = cursors.decode(Row, ORDERING, token, parameter="after", direction=None)
    except InvalidCursorError as exc:
        assert exc.details["parameter"] == "after"
        return
    assert len(position.values) == len(ORDERING.keys)


@QUICK
@given(payload=payloads)
@example(payload={"d": "a", "v": [10**30, 1]})
def test_a_resigned_payload_through_the_view_is_a_page_or_a_400(
    payload: object, client: Client
) -> None:
    response = client.get("/db/rows/", {"order_by": "bucket", "after": _resigned(payload)})
    if response.status_code != 200:
        error = assert_envelope(response, 400, "invalid_cursor")
        assert error["details"]["parameter"] == "after"


@override_settings(INFRA_CORE={"DB_CURSOR_MAX_AGE": 1})
def test_an_expired_cursor_is_a_400(client: Client) -> None:
    insert_rows(10, buckets=2)
    stale = signing.dumps({"d": "a", "v": [0, 1]}, salt=cursors._salt(Row, ORDERING), compress=True)
    signer = signing.TimestampSigner(salt=cursors._salt(Row, ORDERING), algorithm="sha256")
    value = stale.rsplit(":", 2)[0]
    old = f"{value}:{signing.b62_encode(1)}"  # stamped one second after the epoch
    old = f"{old}:{signer.signature(old)}"
    response = client.get("/db/rows/", {"order_by": "bucket", "after": old})
    error = assert_envelope(response, 400, "invalid_cursor")
    assert "expired" in error["message"] or "expired" in str(error["details"])
