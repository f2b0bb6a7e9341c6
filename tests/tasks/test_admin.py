"""The dead-letter admin: real login, real database, real Redis broker (no mocks)."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from celery import Celery, _state
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from redis import Redis

from infra_core.tasks.dlq import REPLAY_HEADER
from infra_core.tasks.models import DeadLetter, TaskRun
from tests.conftest import free_port

CHANGELIST = "/admin/infra_core/deadletter/"
_PRE_ATTRS = ' style="white-space: pre-wrap"'
OPERATOR_PERMS = [
    "view_deadletter",
    "replay_deadletter",
    "discard_deadletter",
    "resolve_deadletter",
]


@dataclass
class Broker:
    """The Redis broker of tests/celery_app.py and a queue of this test's own."""

    queue: str
    redis: Redis

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in self.redis.lrange(self.queue, 0, -1)]


@contextlib.contextmanager
def _current_app(app: Celery) -> Iterator[None]:
    # The admin replays through celery.current_app; the live server answers in another thread,
    # so the app must be the process default too, not only this thread's current app.
    previous_default, previous_current = _state.default_app, _state._tls.current_app
    app.set_default()
    app.set_current()
    try:
        yield
    finally:
        _state.set_default_app(previous_default)
        _state._set_current_app(previous_current)


@pytest.fixture
def broker() -> Iterator[Broker]:
    """Make the test project's app current; rows of ``make_row`` go to a per-test queue."""
    from tests.celery_app import app

    queue = f"infra-test-{uuid.uuid4().hex}"
    client = Redis.from_url(app.conf.broker_url)
    try:
        with _current_app(app):
            yield Broker(queue, client)
    finally:
        client.delete(queue, f"_kombu.binding.{queue}")
        client.close()


@pytest.fixture
def dead_broker() -> Iterator[None]:
    """Make an app current whose broker port has nothing listening (a broker outage)."""
    app = Celery("dead-broker", broker=f"redis://127.0.0.1:{free_port()}/0", set_as_current=False)
    app.conf.broker_connection_timeout = 0.5
    try:
        with _current_app(app):
            yield
    finally:
        app.close()


@pytest.fixture
def make_row(broker: Broker) -> Any:
    def make(**fields: Any) -> DeadLetter:
        values: dict[str, Any] = {
            "task_name": "tests.testapp.tasks.send_invoice",
            "task_id": str(uuid.uuid4()),
            "args": [7, "eur"],
            "kwargs": {"notify": True},
            "exception_class": "builtins.ConnectionError",
            "exception_message": "smtp down",
            "traceback": 'Traceback (most recent call last):\n  File "x.py"\nConnectionError',
            "attempts": 4,
            "queue": broker.queue,
            "request_id": uuid.uuid4().hex,
        }
        values.update(fields)
        return DeadLetter.objects.create(**values)

    return make


def _staff(django_user_model: Any, username: str, codenames: list[str]) -> Any:
    user = django_user_model.objects.create_user(username, password="pw-123456", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def operator(db: None, django_user_model: Any) -> Client:
    client = Client()
    client.force_login(_staff(django_user_model, "operator", OPERATOR_PERMS))
    return client


@pytest.fixture
def viewer(db: None, django_user_model: Any) -> Client:
    client = Client()
    client.force_login(_staff(django_user_model, "viewer", ["view_deadletter"]))
    return client


def _act(client: Client, action: str, *rows: DeadLetter, **extra: str) -> Any:
    data = {"action": action, "index": "0", ACTION_CHECKBOX_NAME: [str(r.pk) for r in rows]}
    return client.post(CHANGELIST, {**data, **extra}, follow=True)


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _ago(**delta: float) -> datetime:
    return timezone.now() - timedelta(**delta)


# --- changelist and detail page ---
def test_changelist_renders_rows_filters_and_search(operator: Client, make_row: Any) -> None:
    wanted = make_row(task_name="tests.testapp.tasks.wanted")
    make_row(task_name="tests.testapp.tasks.other")
    page = operator.get(CHANGELIST)
    assert page.status_code == 200
    assert b"tests.testapp.tasks.wanted" in page.content
    assert b"tests.testapp.tasks.other" in page.content
    for title in ("task name", "status", "exception class", "age"):
        assert f'data-filter-title="{title}"'.encode() in page.content
    found = operator.get(CHANGELIST, {"q": wanted.request_id})
    assert [row.pk for row in found.context["cl"].result_list] == [wanted.pk]


@pytest.mark.parametrize(
    ("age", "expected"), [("hour", ["new"]), ("week", ["new", "days"]), ("older", ["weeks"])]
)
def test_changelist_age_filter_selects_by_last_failure(
    operator: Client, make_row: Any, age: str, expected: list[str]
) -> None:
    make_row(task_id="new", last_failed_at=_ago(minutes=30))
    make_row(task_id="days", last_failed_at=_ago(days=3))
    make_row(task_id="weeks", last_failed_at=_ago(days=10))
    page = operator.get(CHANGELIST, {"age": age})
    assert [row.task_id for row in page.context["cl"].result_list] == expected


def test_detail_page_shows_pretty_payload_and_escaped_traceback(
    operator: Client, make_row: Any
) -> None:
    args = [1, "<script>alert(1)</script>"]
    kwargs = {"b": {"nested": True}, "a": "x"}
    row = make_row(args=args, kwargs=kwargs, traceback="Traceback\n<b>boom</b> & more")
    page = operator.get(f"{CHANGELIST}{row.pk}/change/")
    body = page.content.decode()
    assert page.status_code == 200
    assert f"<pre{_PRE_ATTRS}>{escape(json.dumps(args, indent=2))}</pre>" in body
    assert escape(json.dumps(kwargs, indent=2, sort_keys=True)) in body
    assert "<pre" + _PRE_ATTRS + ">Traceback\n&lt;b&gt;boom&lt;/b&gt; &amp; more</pre>" in body
    assert "<script>alert(1)" not in body and "<b>boom</b>" not in body


def test_detail_page_is_read_only_and_add_is_forbidden(operator: Client, make_row: Any) -> None:
    row = make_row()
    url = f"{CHANGELIST}{row.pk}/change/"
    assert b'name="_save"' not in operator.get(url).content
    assert operator.post(url, {"status": "resolved"}).status_code == 403
    assert operator.get(f"{CHANGELIST}add/").status_code == 403
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING


def test_delete_staff_with_delete_permission_is_forbidden_superuser_allowed(
    django_user_model: Any, admin_client: Client, make_row: Any
) -> None:
    row = make_row()
    staff = Client()
    staff.force_login(
        _staff(django_user_model, "deleter", ["view_deadletter", "delete_deadletter"])
    )
    assert staff.get(f"{CHANGELIST}{row.pk}/delete/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{row.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not DeadLetter.objects.filter(pk=row.pk).exists()


def test_taskrun_changelist_lists_runs_read_only(admin_client: Client) -> None:
    run = TaskRun.objects.create(
        task_id="run-1", task_name="tests.testapp.tasks.slow", worker="h:1"
    )
    page = admin_client.get("/admin/infra_core/taskrun/")
    assert page.status_code == 200 and b"tests.testapp.tasks.slow" in page.content
    assert admin_client.get("/admin/infra_core/taskrun/add/").status_code == 403
    assert admin_client.post(f"/admin/infra_core/taskrun/{run.pk}/change/", {}).status_code == 403


def test_login_through_admin_form_reaches_changelist(
    db: None, django_user_model: Any, make_row: Any
) -> None:
    _staff(django_user_model, "formuser", OPERATOR_PERMS)
    make_row(task_name="tests.testapp.tasks.visible")
    client = Client(enforce_csrf_checks=True)
    login = client.get("/admin/login/")
    token = login.cookies["csrftoken"].value
    form = {"username": "formuser", "password": "pw-123456", "next": CHANGELIST}
    page = client.post("/admin/login/", {**form, "csrfmiddlewaretoken": token}, follow=True)
    assert page.redirect_chain[-1][0] == CHANGELIST
    assert b"tests.testapp.tasks.visible" in page.content


# --- permissions ---
def test_staff_without_replay_permission_gets_no_replay_action(
    viewer: Client, make_row: Any, broker: Broker
) -> None:
    row = make_row()
    page = viewer.get(CHANGELIST)
    assert page.status_code == 200
    assert b'value="replay"' not in page.content and b'value="discard"' not in page.content
    assert b"dlq-replay-button" not in viewer.get(f"{CHANGELIST}{row.pk}/change/").content
    _act(viewer, "replay", row)
    assert viewer.post(f"{CHANGELIST}{row.pk}/replay/").status_code == 403
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING and broker.messages() == []


# --- replay ---
def test_replay_action_marks_row_replayed_and_publishes_message(
    operator: Client, make_row: Any, broker: Broker
) -> None:
    row = make_row()
    response = _act(operator, "replay", row)
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.REPLAYED and row.replayed_by == "operator"
    assert row.replayed_task_id and row.replayed_task_id != row.task_id
    [message] = broker.messages()
    headers = message["headers"]
    assert headers["id"] == row.replayed_task_id and headers["task"] == row.task_name
    assert headers[REPLAY_HEADER] == row.task_id and headers["eta"] is None
    assert _messages(response) == [f"Replayed 1 dead letter(s): #{row.pk} as {headers['id']}."]


def test_replay_action_second_time_is_refused_by_loop_guard(
    operator: Client, make_row: Any, broker: Broker
) -> None:
    row = make_row()
    _act(operator, "replay", row)
    again = _act(operator, "replay", row)
    assert again.status_code == 200
    assert _messages(again) == [f"Refused 1 dead letter(s): #{row.pk} (already replayed)."]
    assert len(broker.messages()) == 1


def test_replay_action_mixed_selection_reports_each_row(
    operator: Client, make_row: Any, broker: Broker
) -> None:
    fresh, done, cut = make_row(), make_row(status="discarded"), make_row(payload_truncated=True)
    response = _act(operator, "replay", fresh, done, cut)
    success, refused = _messages(response)
    assert success.startswith(f"Replayed 1 dead letter(s): #{fresh.pk} as ")
    assert f"#{done.pk} (already discarded)" in refused
    assert f"#{cut.pk} (truncated payload: it cannot be replayed as it was)" in refused
    assert refused.startswith("Refused 2 dead letter(s)")
    assert len(broker.messages()) == 1


def test_replay_action_broker_down_reports_failure_and_keeps_row_pending(
    operator: Client, make_row: Any, dead_broker: None
) -> None:
    row = make_row()
    response = _act(operator, "replay", row)
    assert response.status_code == 200
    [message] = _messages(response)
    assert message.startswith(f"Refused 1 dead letter(s): #{row.pk} (could not enqueue")
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING and row.replayed_task_id == ""


def test_detail_replay_button_replays_row_on_post_only(
    operator: Client, make_row: Any, broker: Broker
) -> None:
    row = make_row()
    url = f"{CHANGELIST}{row.pk}/replay/"
    assert b"dlq-replay-button" in operator.get(f"{CHANGELIST}{row.pk}/change/").content
    assert operator.get(url).status_code == 405
    response = operator.post(url, follow=True)
    row.refresh_from_db()
    assert response.redirect_chain[-1][0] == f"{CHANGELIST}{row.pk}/change/"
    assert row.status == DeadLetter.Status.REPLAYED
    assert [m["headers"]["id"] for m in broker.messages()] == [row.replayed_task_id]
    assert b"dlq-replay-button" not in response.content


@pytest.mark.parametrize("field", ["payload_truncated", "payload_redacted"])
def test_detail_has_no_replay_button_where_replay_is_refused(
    operator: Client, make_row: Any, broker: Broker, field: str
) -> None:
    # The button follows operations.refusal(): a truncated or redacted payload is not offered.
    row = make_row(**{field: True})
    assert b"dlq-replay-button" not in operator.get(f"{CHANGELIST}{row.pk}/change/").content
    response = operator.post(f"{CHANGELIST}{row.pk}/replay/", follow=True)
    [message] = _messages(response)
    assert message.startswith(f"Refused 1 dead letter(s): #{row.pk} (")
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING and broker.messages() == []


def test_detail_replay_button_without_csrf_token_is_rejected(
    django_user_model: Any, make_row: Any, broker: Broker
) -> None:
    row = make_row()
    client = Client(enforce_csrf_checks=True)
    client.force_login(_staff(django_user_model, "csrfless", OPERATOR_PERMS))
    assert client.post(f"{CHANGELIST}{row.pk}/replay/").status_code == 403
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING and broker.messages() == []


# --- replay with delay ---
def test_replay_with_delay_asks_for_delay_first(
    operator: Client, make_row: Any, broker: Broker
) -> None:
    row = make_row()
    page = _act(operator, "replay_with_delay", row)
    assert page.templates[0].name == "admin/infra_core/deadletter/replay_with_delay.html"
    assert b'name="delay"' in page.content
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING and broker.messages() == []


def test_replay_with_delay_valid_delay_sends_message_with_eta(
    operator: Client, make_row: Any, broker: Broker
) -> None:
    row = make_row()
    before = timezone.now()
    response = _act(operator, "replay_with_delay", row, apply="yes", delay="600")
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.REPLAYED
    assert _messages(response)[0].startswith("Replayed 1 dead letter(s)")
    eta = datetime.fromisoformat(broker.messages()[0]["headers"]["eta"])
    assert before + timedelta(seconds=599) <= eta <= timezone.now() + timedelta(seconds=601)


@pytest.mark.parametrize("delay", ["0", "86401", "-5", "1.5", "soon", ""])
def test_replay_with_delay_invalid_delay_shows_error_and_replays_nothing(
    operator: Client, make_row: Any, broker: Broker, delay: str
) -> None:
    row = make_row()
    page = _act(operator, "replay_with_delay", row, apply="yes", delay=delay)
    assert page.status_code == 200
    assert b"Enter a whole number of seconds from 1 to 86400 (one day)." in page.content
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.PENDING and broker.messages() == []


# --- discard and resolve ---
def test_discard_action_closes_row_then_resolve_is_refused(operator: Client, make_row: Any) -> None:
    row = make_row()
    assert _messages(_act(operator, "discard", row)) == [f"Discarded 1 dead letter(s): #{row.pk}."]
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.DISCARDED and row.closed_by == "operator"
    refused = _act(operator, "resolve", row)
    assert _messages(refused) == [f"Refused 1 dead letter(s): #{row.pk} (already discarded)."]


def test_resolve_action_closes_row_then_discard_is_refused(operator: Client, make_row: Any) -> None:
    row = make_row()
    resolved = _act(operator, "resolve", row)
    assert _messages(resolved) == [f"Marked resolved 1 dead letter(s): #{row.pk}."]
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.RESOLVED
    refused = _act(operator, "discard", row)
    assert _messages(refused) == [f"Refused 1 dead letter(s): #{row.pk} (already resolved)."]


# The querysets below are never evaluated: no connection to the extra alias is opened.
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_admin_reads_dead_letters_and_runs_from_dlq_database(settings: Any) -> None:
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    settings.DATABASES = {**settings.DATABASES, "dlq": dict(settings.DATABASES["default"])}
    settings.INFRA_CORE = {"DLQ_DATABASE": "dlq"}
    request = RequestFactory().get(CHANGELIST)
    for model in (DeadLetter, TaskRun):
        model_admin = django_admin.site._registry[model]
        assert model_admin.get_queryset(request).db == "dlq"
