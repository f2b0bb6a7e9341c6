from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from infra_core.metrics import business, business_event, record_api_call, track_api_call


def _sample(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_record_api_call_counts_outcome_and_duration() -> None:
    total = "infra_core_outbound_requests_total"
    before = _sample(total, {"service": "geoip", "outcome": "error"})
    count_before = _sample(
        "infra_core_outbound_request_duration_seconds_count", {"service": "geoip"}
    )
    record_api_call("geoip", "error", seconds=0.25)
    assert _sample(total, {"service": "geoip", "outcome": "error"}) == before + 1
    after = _sample("infra_core_outbound_request_duration_seconds_count", {"service": "geoip"})
    assert after == count_before + 1


def test_record_api_call_unknown_outcome_is_refused_with_value() -> None:
    with pytest.raises(ValueError, match="'failed'"):
        record_api_call("geoip", "failed")


@pytest.mark.parametrize(
    ("exc", "outcome"), [(TimeoutError("slow"), "timeout"), (ConnectionError("x"), "error")]
)
def test_track_api_call_exception_counts_outcome_and_reraises(exc: Exception, outcome: str) -> None:
    labels = {"service": "payments", "outcome": outcome}
    before = _sample("infra_core_outbound_requests_total", labels)
    with pytest.raises(type(exc)), track_api_call("payments"):
        raise exc
    assert _sample("infra_core_outbound_requests_total", labels) == before + 1


def test_track_api_call_success_counts_ok() -> None:
    labels = {"service": "payments", "outcome": "ok"}
    before = _sample("infra_core_outbound_requests_total", labels)
    with track_api_call("payments"):
        pass
    assert _sample("infra_core_outbound_requests_total", labels) == before + 1


def test_business_event_counts_by_name() -> None:
    before = _sample("infra_core_business_events_total", {"event": "signup"})
    business_event("signup")
    business_event("signup", 2)
    assert _sample("infra_core_business_events_total", {"event": "signup"}) == before + 3


@pytest.mark.parametrize("name", ["", "Signup", "user@example.com", "/api/items/3", "a" * 64])
def test_business_event_non_name_is_refused_with_value(name: str) -> None:
    with pytest.raises(ValueError, match="is not a metric label value"):
        business_event(name)


def test_business_event_past_name_cap_counts_as_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(business._seen, "event", set())
    monkeypatch.setattr(business, "MAX_NAMES", 2)
    before = _sample("infra_core_business_events_total", {"event": "other"})
    for name in ("cap_a", "cap_b", "cap_c", "cap_d"):
        business_event(name)
    assert _sample("infra_core_business_events_total", {"event": "other"}) == before + 2
    assert _sample("infra_core_business_events_total", {"event": "cap_c"}) == 0.0


def test_event_label_unfit_name_is_other_and_cap_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(business._seen, "event", set())
    monkeypatch.setattr(business, "MAX_NAMES", 1)
    assert business.event_label("9-starts-with-a-digit") == "other"
    assert business.event_label("") == "other"
    assert business.event_label("order.paid") == "order.paid"
    assert business.event_label("order.refunded") == "other"  # past the cap
