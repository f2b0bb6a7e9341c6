from __future__ import annotations

import json

import pytest

from infra_core.sentry.scrub import scrub, scrub_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLWJ5dGVz"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"token in text {JWT} here", JWT),
        ("Authorization: Bearer abc.def.ghi-123", "abc.def.ghi-123"),
        ("basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        (f"creds_json={{'private_key': '{PEM}'}}", "MIIEowIBAAKCAQEA"),
        ("key sk_live_51Habcdefghijk used", "sk_live_51Habcdefghijk"),
        ("postgres://app:s3cretpw@db:5432/x", "s3cretpw"),
        ("login password=hunter2 failed", "hunter2"),
    ],
)
def test_scrub_text_secret_shaped_value_is_masked(text: str, secret: str) -> None:
    assert secret not in scrub_text(text)


def test_scrub_text_plain_text_is_unchanged() -> None:
    assert scrub_text("Order 42 shipped to Berlin") == "Order 42 shipped to Berlin"


def test_scrub_nested_secret_keys_are_masked_at_every_depth() -> None:
    event = {
        "request": {"data": {"user": {"password": "p1"}}},
        "extra": {"cfg": {"token": "t1"}},
        "breadcrumbs": {"values": [{"data": {"a": {"secret": "s1"}}}]},
    }
    dumped = json.dumps(scrub(event))
    assert not {"p1", "t1", "s1"} & set(json.loads(json.dumps(dumped)).split('"'))


def test_scrub_header_pairs_are_masked() -> None:
    headers = [["Authorization", "Token abcdef"], ["Accept", "text/html"]]
    assert scrub(headers) == [["Authorization", "[REDACTED]"], ["Accept", "text/html"]]


def test_scrub_extra_keys_are_masked() -> None:
    assert scrub({"customer_iban": "DE89"}, ("iban",)) == {"customer_iban": "[REDACTED]"}


def test_scrub_deep_structure_is_truncated_not_recursed_forever() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(50):
        node["n"] = {}
        node = node["n"]  # type: ignore[assignment]
    assert "[TRUNCATED]" in json.dumps(scrub(deep))
