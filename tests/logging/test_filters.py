from __future__ import annotations

import logging

from django.test import override_settings

from infra_core.logging.filters import REDACTED, redact, redact_text

log = logging.getLogger("tests.redaction")


def test_redact_nested_secret_keys_are_masked_at_every_depth() -> None:
    data = {
        "user": "ann",
        "password": "hunter2",
        "profile": {"api_key": "k-1", "items": [{"Authorization": "Bearer t"}, {"ok": 1}]},
        "headers": ({"Cookie": "sessionid=abc"},),
    }
    out = redact(data)
    assert out["user"] == "ann"
    assert out["password"] == REDACTED
    assert out["profile"]["api_key"] == REDACTED
    assert out["profile"]["items"][0]["Authorization"] == REDACTED
    assert out["profile"]["items"][1] == {"ok": 1}
    assert out["headers"][0]["Cookie"] == REDACTED
    assert data["password"] == "hunter2"  # the caller's object is not modified


def test_redact_text_inline_secrets_are_masked() -> None:
    text = "login password=hunter2 token: abc123 Authorization: Bearer eyJhbGci user=ann"
    out = redact_text(text)
    assert "hunter2" not in out and "abc123" not in out and "eyJhbGci" not in out
    assert "user=ann" in out


def test_redact_deep_structure_is_bounded() -> None:
    deep: dict[str, object] = {}
    cursor = deep
    for _ in range(50):
        nxt: dict[str, object] = {}
        cursor["x"] = nxt
        cursor = nxt
    assert "[TRUNCATED]" in repr(redact(deep))


def test_redact_filter_masks_extras_args_and_message(json_logs) -> None:
    log.warning(
        "card for %s, secret=%s",
        "ann",
        "s3cr3t",
        extra={"password": "hunter2", "payload": {"nested": {"client_secret": "cs"}}},
    )
    text = json_logs.text
    assert "hunter2" not in text and "s3cr3t" not in text and '"cs"' not in text
    record = json_logs.by_logger("tests.redaction")[-1]
    assert record["password"] == REDACTED
    assert record["payload"]["nested"]["client_secret"] == REDACTED
    assert "ann" in record["message"]


@override_settings(INFRA_CORE={"LOG_REDACT_KEYS": ["iban"]})
def test_redact_filter_extra_keys_from_settings_are_masked(json_logs) -> None:
    log.warning("payment", extra={"customer_iban": "DE89370400440532013000"})
    assert "DE89370400440532013000" not in json_logs.text


def test_redact_filter_dict_args_are_masked(json_logs) -> None:
    log.warning("%(user)s logged in with %(password)s", {"user": "ann", "password": "pw-xyz"})
    assert "pw-xyz" not in json_logs.text
    assert "ann" in json_logs.text
