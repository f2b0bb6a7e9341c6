"""The event bus: validation, registration, on_commit and checks here; delivery in a real worker."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import checks
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from prometheus_client import REGISTRY

from infra_core import context
from infra_core.errors import JobQueueError
from infra_core.events import Event, publish, subscribe
from infra_core.events.registry import subscriptions
from infra_core.tasks.models import DeadLetter
from tests.conftest import JsonLogCapture, free_port
from tests.tasks.conftest import Worker, wait_until
from tests.testapp import events as handlers

PATH = "tests.testapp.events"
WAREHOUSE = f"{PATH}.notify_warehouse"


def delivered(event: str, outcome: str) -> float:
    labels = {"event": event, "outcome": outcome}
    return REGISTRY.get_sample_value("infra_core_events_delivered_total", labels) or 0.0


def published(event: str) -> float:
    labels = {"event": event}
    return REGISTRY.get_sample_value("infra_core_events_published_total", labels) or 0.0


def check_ids(**infra: Any) -> list[tuple[str, str]]:
    with override_settings(INFRA_CORE=infra):
        return [
            (m.id, m.msg)
            for m in checks.run_checks(tags=["infra_core"])
            if m.id and m.id.startswith("infra_core.E42")
        ]


# --- validation: nothing is sent --------------------------------------------------------------


@pytest.mark.parametrize("name", ["Order.Paid", "order paid", "", "x" * 101, "order/paid", 7])
def test_publish_bad_name_raises_value_error_naming_it(name: Any) -> None:
    before = published(str(name))
    with pytest.raises(ValueError, match=re.escape(repr(name))):
        publish(name, {}, on_commit=False)
    assert published(str(name)) == before


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"amount": Decimal("1.50")}, "payload['amount'] = Decimal('1.50') is a Decimal"),
        ({"items": [1, {"at": datetime(2026, 1, 1)}]}, "payload['items'][1]['at'] = datetime"),
        ({"ids": (1, 2)}, "payload['ids'] = (1, 2) is a tuple, not JSON-serialisable (use a list)"),
        ({"ratio": float("nan")}, "payload['ratio'] = nan is not a finite number"),
        ({"by_id": {1: "a"}}, "payload['by_id'] has key 1 (int): keys must be str"),
        (["not", "a", "dict"], "['not', 'a', 'dict'] is a list, not a dict"),
    ],
)
def test_publish_non_json_payload_raises_value_error_naming_the_value(
    payload: Any, needle: str
) -> None:
    before = published(handlers.PAID)
    with pytest.raises(ValueError, match=re.escape(needle)):
        publish(handlers.PAID, payload, on_commit=False)
    assert published(handlers.PAID) == before


def test_publish_cyclic_payload_raises_value_error_not_recursion_error() -> None:
    payload: dict[str, Any] = {}
    payload["self"] = payload
    with pytest.raises(ValueError, match="nested deeper than 32 levels"):
        publish("test.cyclic", payload, on_commit=False)


def test_publish_bad_source_raises_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match=re.escape("'two words'")):
        publish("test.no_handler", {}, source="two words", on_commit=False)


# --- publish without handlers: metadata, counting ---------------------------------------------


def test_publish_without_handler_returns_stamped_event_and_counts_no_handler() -> None:
    name = f"test.nobody_{uuid.uuid4().hex[:8]}"
    with context.bind(request_id="req-publisher-1"):
        event = publish(name, {"order": 1}, on_commit=False)
    assert isinstance(event, Event)
    assert uuid.UUID(event.event_id).version == 4
    assert event.request_id == "req-publisher-1"
    assert event.source == "app"
    assert event.payload == {"order": 1}
    assert event.attempt == 0
    occurred = datetime.fromisoformat(event.occurred_at)
    assert occurred.utcoffset() is not None and occurred.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert abs((datetime.now(UTC) - occurred).total_seconds()) < 5
    assert delivered(name, "no_handler") == 1
    assert published(name) == 1


def test_publish_outside_any_request_gets_a_fresh_request_id_without_binding_it() -> None:
    assert context.get_request_id() is None
    event = publish("test.nobody", {}, on_commit=False)
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)
    assert context.get_request_id() is None


def test_publish_source_defaults_to_the_events_source_setting() -> None:
    with override_settings(INFRA_CORE={"EVENTS_SOURCE": "billing"}):
        assert publish("test.nobody", {}, on_commit=False).source == "billing"
        assert publish("test.nobody", {}, source="shop", on_commit=False).source == "shop"


def test_event_message_round_trip_keeps_everything_but_attempt() -> None:
    event = Event.create("test.round_trip", {"a": [1, "b", None]}, source="app")
    message = event.to_message()
    assert "attempt" not in message
    assert Event.from_message(message, attempt=3) == Event(**{**message, "attempt": 3})


# --- registration -----------------------------------------------------------------------------


def test_subscriptions_merge_decorator_and_setting_one_per_path_setting_options_win() -> None:
    infra = {
        "EVENTS_HANDLERS": {
            handlers.FAILED: [WAREHOUSE, {"handler": f"{PATH}.charge_card", "queue": "billing"}]
        }
    }
    with override_settings(INFRA_CORE=infra):
        subs = {s.handler: s for s in subscriptions(handlers.FAILED)}
    assert sorted(subs) == [f"{PATH}.charge_card", WAREHOUSE, f"{PATH}.send_receipt"]
    assert subs[f"{PATH}.charge_card"].queue == "billing"
    assert subs[f"{PATH}.charge_card"].retry_policy == handlers.FAST  # from the decorator
    assert subs[WAREHOUSE].retry_policy is None


def test_subscribe_bad_event_name_raises_value_error() -> None:
    with pytest.raises(ValueError, match=re.escape("'Order Paid'")):
        subscribe("Order Paid")


def test_subscribe_nested_function_raises_value_error_no_importable_path() -> None:
    def local_handler(event: Event) -> None:
        return None

    with pytest.raises(ValueError, match="no importable dotted path"):
        subscribe("test.local")(local_handler)


def test_publish_with_malformed_handlers_setting_raises_value_error() -> None:
    with (
        override_settings(INFRA_CORE={"EVENTS_HANDLERS": {"test.x": "not-a-list"}}),
        pytest.raises(ValueError, match="'not-a-list' is not a list"),
    ):
        publish("test.x", {}, on_commit=False)


# --- on_commit --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_publish_in_rolled_back_transaction_fans_out_nothing_commit_fans_out() -> None:
    name = f"test.nobody_{uuid.uuid4().hex[:8]}"
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(name, {}, on_commit=True)
        raise RuntimeError("roll back")
    assert published(name) == 0
    with transaction.atomic():
        publish(name, {}, on_commit=True)
        assert published(name) == 0  # not before the commit
    assert published(name) == 1


@pytest.fixture
def broken_broker() -> Iterator[None]:
    """Make a Celery app whose broker refuses connections the current app for the test."""
    from celery import Celery

    from tests.celery_app import app

    broken = Celery("broken", broker=f"redis://127.0.0.1:{free_port()}/0", set_as_current=False)
    # Fail at once: Redis transport retries alone take about 6 s per send by default.
    broken.conf.task_publish_retry = False
    broken.conf.broker_transport_options = {"max_retries": 0}
    broken.set_current()
    try:
        yield
    finally:
        app.set_current()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("broken_broker")
def test_publish_broker_down_after_commit_logs_and_counts_send_failed(
    json_logs: JsonLogCapture,
) -> None:
    before = delivered(handlers.PAID, "send_failed")
    event = publish(handlers.PAID, {"order": 3})  # no transaction: sent (and failing) at once
    assert delivered(handlers.PAID, "send_failed") == before + 1
    errors = [r for r in json_logs.by_logger("infra_core.events.bus") if r["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["event_id"] == event.event_id
    assert f"NOT sent to {PATH}.send_receipt" in errors[0]["message"]


@pytest.mark.usefixtures("broken_broker")
def test_publish_broker_down_without_on_commit_raises_to_the_caller() -> None:
    before = delivered(handlers.PAID, "send_failed")
    with pytest.raises(JobQueueError) as caught:  # InfraTask's publish: a 503 for the caller
        publish(handlers.PAID, {"order": 4}, on_commit=False)
    assert re.search(r"Connection refused|Error 111", str(caught.value.__cause__))
    assert delivered(handlers.PAID, "send_failed") == before + 1


# --- checks -----------------------------------------------------------------------------------


def test_check_events_clean_configuration_reports_nothing() -> None:
    assert check_ids(EVENTS_HANDLERS={handlers.PAID: [WAREHOUSE]}, EVENTS_SOURCE="billing") == []


@pytest.mark.parametrize(
    ("infra", "expected", "needle"),
    [
        ({"EVENTS_HANDLERS": {"test.x": ["tests.nope.handler"]}}, "E422", "'tests.nope.handler'"),
        ({"EVENTS_HANDLERS": {"test.x": [f"{PATH}.missing"]}}, "E422", "does not import"),
        ({"EVENTS_HANDLERS": {"test.x": [f"{PATH}.NOT_CALLABLE"]}}, "E422", "not callable"),
        ({"EVENTS_HANDLERS": {"Test X": [WAREHOUSE]}}, "E421", "'Test X'"),
        ({"EVENTS_HANDLERS": [WAREHOUSE]}, "E420", "is not a dict"),
        ({"EVENTS_HANDLERS": {"test.x": WAREHOUSE}}, "E420", "is not a list"),
        ({"EVENTS_HANDLERS": {"test.x": [{"handler": WAREHOUSE, "qeue": "a"}]}}, "E420", "qeue"),
        ({"EVENTS_HANDLERS": {"test.x": [{"handler": WAREHOUSE, "queue": ""}]}}, "E420", "queue"),
        ({"EVENTS_HANDLERS": {"test.x": [{"handler": WAREHOUSE, "retry_policy": 3}]}},
         "E420", "RetryPolicy"),
        ({"EVENTS_SOURCE": ""}, "E423", "''"),
    ],
)  # fmt: skip
def test_check_events_bad_setting_reports_id_and_value(
    infra: dict[str, Any], expected: str, needle: str
) -> None:
    found = check_ids(**infra)
    assert [i for i, _ in found] == [f"infra_core.{expected}"]
    assert needle in found[0][1]


# --- delivery in a real worker ----------------------------------------------------------------


def calls(handler: str, event_id: str) -> list[dict[str, Any]]:
    """What ``handler`` saw for ``event_id``, oldest first."""
    keys = sorted(
        cache.keys(f"event:{handler}:{event_id}:*"), key=lambda k: float(k.split(":")[-1])
    )
    return [cache.get(k) for k in keys]


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_events_publish_fans_out_to_two_handlers_with_publisher_metadata(
    start_worker: Callable[..., Worker],
) -> None:
    infra = {"EVENTS_HANDLERS": {handlers.PAID: [WAREHOUSE]}, "EVENTS_SOURCE": "billing"}
    worker = start_worker(**infra)
    rid = f"req-{uuid.uuid4().hex[:12]}"
    with override_settings(INFRA_CORE=infra), context.bind(request_id=rid):
        event = publish(handlers.PAID, {"order": 7})

    for handler in ("send_receipt", "notify_warehouse"):
        seen = wait_until(lambda h=handler: calls(h, event.event_id), 20, f"{handler} ran")
        assert len(seen) == 1
        assert seen[0] == {
            "name": handlers.PAID,
            "payload": {"order": 7},
            "event_id": event.event_id,
            "request_id": rid,
            "occurred_at": event.occurred_at,
            "source": "billing",
            "attempt": 1,
            "context_request_id": rid,
        }
    for handler in ("send_receipt", "notify_warehouse"):
        lines = [x for x in worker.json_lines() if x.get("event") == f"test.{handler}"]
        assert [x.get("request_id") for x in lines] == [rid]
    assert delivered(handlers.PAID, "sent") >= 2


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_events_failing_handler_retries_with_its_policy_then_one_dlq_row_other_handler_ok(
    start_worker: Callable[..., Worker],
) -> None:
    from infra_core.tasks import operations

    start_worker()
    rid = f"req-{uuid.uuid4().hex[:12]}"
    with context.bind(request_id=rid):
        event = publish(handlers.FAILED, {"order": 9})

    row = wait_until(
        lambda: DeadLetter.objects.filter(request_id=rid).first(), 30, "DLQ row of the event"
    )
    assert row.task_name == "infra_core.events.deliver"
    assert row.args == [f"{PATH}.charge_card", event.to_message()]
    assert row.exception_class == "builtins.ValueError"
    assert row.exception_message == "card declined for order 9"
    assert row.attempts == 3  # the first run and FAST's max_retries=2
    attempts = calls("charge_card", event.event_id)
    assert [c["attempt"] for c in attempts] == [1, 2, 3]
    assert {c["event_id"] for c in attempts} == {event.event_id}
    assert [c["attempt"] for c in calls("send_receipt", event.event_id)] == [1]
    time.sleep(1.0)  # nothing else arrives late
    assert DeadLetter.objects.filter(request_id=rid).count() == 1

    # Replayable like any other task: the same event reaches the handler again.
    operations.replay(row.pk, actor="test")
    wait_until(lambda: len(calls("charge_card", event.event_id)) == 4, 20, "replayed delivery")
    assert calls("charge_card", event.event_id)[-1]["attempt"] == 1


@pytest.mark.integration
@pytest.mark.usefixtures("purge_queue")
def test_events_publish_in_rolled_back_transaction_sends_nothing(
    start_worker: Callable[..., Worker],
) -> None:
    start_worker()
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = publish(handlers.PAID, {"order": "rolled back"})
        raise RuntimeError("roll back")
    with transaction.atomic():
        committed = publish(handlers.PAID, {"order": "committed"})
        assert not calls("send_receipt", committed.event_id)  # not before the commit

    wait_until(lambda: calls("send_receipt", committed.event_id), 20, "committed event handled")
    time.sleep(0.5)  # one worker, FIFO queue: a sent rolled-back event would have run first
    assert calls("send_receipt", rolled_back.event_id) == []
