"""Dead-letter replay and discard by staff users without the permission: refused, nothing changed.

``manage.py infra_dlq`` is an operator tool with no Django user or permission notion (it acts as
``infra_dlq:<OS user>``; whoever can run manage.py already holds the database credentials), so
its access control is the shell's: there is nothing to refuse there, and no test pretends so.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.test import Client

from infra_core.tasks.models import DeadLetter
from tests.conftest import JsonLogCapture

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/infra_core/deadletter/"
FIELDS = ("status", "replayed_by", "replayed_at", "replayed_task_id", "closed_by", "closed_at",
          "note", "attempts")  # fmt: skip


def _row() -> DeadLetter:
    return DeadLetter.objects.create(
        task_name="tests.testapp.tasks.send_invoice",
        task_id=str(uuid.uuid4()),
        args=[7],
        kwargs={},
        exception_class="builtins.ConnectionError",
        exception_message="smtp down",
        attempts=3,
        queue=f"infra-test-hostile-{uuid.uuid4().hex}",  # never consumed: nothing runs it
    )


def _state(row: DeadLetter) -> tuple[Any, ...]:
    fresh = DeadLetter.objects.get(pk=row.pk)
    return tuple(getattr(fresh, f) for f in FIELDS)


def _staff(django_user_model: Any, codenames: list[str]) -> Client:
    user = django_user_model.objects.create_user(
        f"staff-{uuid.uuid4().hex[:8]}", password=None, is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("action", ["replay", "replay_with_delay", "discard", "resolve"])
@pytest.mark.parametrize(
    "perms",
    [["view_deadletter"], ["view_deadletter", "change_deadletter", "delete_deadletter"]],
    ids=["view-only", "change-and-delete"],
)
def test_an_action_post_without_its_permission_changes_nothing(
    action: str, perms: list[str], django_user_model: Any, json_logs: JsonLogCapture
) -> None:
    row = _row()
    before = _state(row)
    client = _staff(django_user_model, perms)
    data = {"action": action, "index": "0", ACTION_CHECKBOX_NAME: [str(row.pk)], "apply": "1",
            "delay": "5"}  # fmt: skip
    response = client.post(CHANGELIST, data)
    # Django answers an action the user may not run with the changelist and "No action selected".
    assert response.status_code in (200, 302)
    assert _state(row) == before
    assert DeadLetter.objects.count() == 1  # no replay row, no copy
    denied = [r for r in json_logs.records if r.get("security_event") == "dlq_action_denied"]
    assert len(denied) == 1 and denied[0]["action"] == action


def test_the_detail_replay_view_without_permission_is_403(
    django_user_model: Any, json_logs: JsonLogCapture
) -> None:
    row = _row()
    before = _state(row)
    client = _staff(django_user_model, ["view_deadletter"])
    response = client.post(f"{CHANGELIST}{row.pk}/replay/")
    assert response.status_code == 403
    assert _state(row) == before
    assert any(r.get("security_event") == "dlq_action_denied" for r in json_logs.records)


def test_the_detail_replay_view_refuses_get(django_user_model: Any) -> None:
    row = _row()
    before = _state(row)
    client = _staff(django_user_model, ["view_deadletter", "replay_deadletter"])
    assert client.get(f"{CHANGELIST}{row.pk}/replay/").status_code == 405
    assert _state(row) == before


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_anonymous_and_non_staff_cannot_reach_or_act_on_dead_letters(
    who: str, django_user_model: Any
) -> None:
    row = _row()
    before = _state(row)
    client = Client(raise_request_exception=False)
    if who == "non-staff":
        client.force_login(django_user_model.objects.create_user("plain", password=None))
    for response in (
        client.get(CHANGELIST),
        client.post(CHANGELIST, {"action": "replay", ACTION_CHECKBOX_NAME: [str(row.pk)]}),
        client.post(f"{CHANGELIST}{row.pk}/replay/"),
        client.get(f"{CHANGELIST}{row.pk}/change/"),
    ):
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/admin/login/")
    assert _state(row) == before
