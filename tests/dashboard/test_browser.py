"""The dashboard in headless Debian Chromium (Playwright) against live_server and the real broker.

Logs in, reads the dashboard with data in every panel, follows a DLQ count into the filtered
changelist, replays a dead letter from its page and sees it replayed, back on the dashboard too.
Screenshots go to artifacts/ beside the DLQ browser test's.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from infra_core.cache import get_or_compute
from infra_core.health.models import HealthTransition
from infra_core.retention import services as retention
from infra_core.tasks.models import DeadLetter
from tests.dashboard.conftest import URL
from tests.dashboard.test_panels import block_requests, dead_letters, violation
from tests.tasks import test_admin
from tests.tasks.test_admin import Broker
from tests.tasks.test_browser import ARTIFACTS, CHROMIUM, _require_chromium

pytestmark = [pytest.mark.integration, pytest.mark.browser]

broker = test_admin.broker
make_row = test_admin.make_row
TASK = "tests.testapp.tasks.browser_replay"


def _seed(make_row: Any, settings: Any) -> DeadLetter:
    row = make_row(task_name=TASK, args=["<b>dash</b>", 1])
    make_row(task_name=TASK)
    make_row(task_name=TASK, status=DeadLetter.Status.RESOLVED)
    dead_letters("app.tasks.send_invoice", "pending", 5)
    dead_letters("app.tasks.send_invoice", "discarded", 3)
    dead_letters("app.tasks.sync_crm", "replayed", 2)
    minute = timezone.now().replace(second=0, microsecond=0)
    for i, (scope, count) in enumerate([("api", 40), ("api", 25), ("login", 12), ("api", 9)]):
        violation(scope, count, minute - timedelta(hours=i * 3, minutes=i))
    for hours, (previous, status) in [(6, ("", "ok")), (4, ("ok", "fail")), (1, ("fail", "ok"))]:
        at = timezone.now() - timedelta(hours=hours)
        HealthTransition.objects.create(
            check_name="counting", previous=previous, status=status, process="web:1", at=at
        )
    HealthTransition.objects.create(check_name="down", previous="ok", status="fail",
                                    message="dependency down", process="web:1",
                                    at=timezone.now() - timedelta(hours=2))  # fmt: skip
    block_requests("login", 6, settings)  # real blocks: the "since start" column
    same = f"dash:{uuid.uuid4().hex}"
    for i in range(9):  # real lookups through Redis: 4 misses, 5 hits
        key = f"dash:{uuid.uuid4().hex}" if i % 3 == 0 else same
        get_or_compute(key, lambda: "value", 60, namespace="catalog")
    HealthTransition.objects.create(
        check_name="old", status="ok", at=timezone.now() - timedelta(days=99)
    )
    retention.run(only=["infra_core.HealthTransition"])
    return row


def test_dashboard_in_browser_follows_a_dlq_link_and_replays(
    live_server: Any, django_user_model: Any, make_row: Any, broker: Broker, settings: Any
) -> None:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    django_user_model.objects.create_superuser("root", "root@example.com", "pw-browser-2")
    row = _seed(make_row, settings)
    dashboard = f"{live_server.url}{URL}"
    changelist = f"{live_server.url}/admin/infra_core/deadletter/"
    ARTIFACTS.mkdir(exist_ok=True)
    seen: dict[str, Any] = {}

    # No ORM calls inside: Playwright's sync API runs an event loop in this thread.
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(15_000)
            page.goto(f"{live_server.url}/admin/login/?next={URL}")
            page.fill("#id_username", "root")
            page.fill("#id_password", "pw-browser-2")
            page.click("input[type=submit]")
            page.wait_for_url(dashboard)
            seen["overall"] = page.inner_text("#health-overall")
            seen["checks"] = page.locator("#health-checks tr.health-check").count()
            seen["svgs"] = page.locator("svg.infra-chart").count()
            seen["scopes"] = [
                page.inner_text(f'tr.ratelimit-scope[data-scope="{scope}"] td.num')
                for scope in ("api", "login")
            ]
            seen["cache"] = page.inner_text("#panel-cache")
            seen["retention"] = page.inner_text('tr[data-model="infra_core.HealthTransition"]')
            pending = page.locator(
                f'tr.dlq-task[data-task="{TASK}"] a.dlq-count[data-status="pending"]'
            )
            seen["pending_before"] = pending.inner_text()
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

            pending.click()
            page.wait_for_url(f"{changelist}?*")
            seen["filtered_url"] = page.url
            seen["filtered_rows"] = page.locator("#result_list tbody tr").count()

            # The changelist keeps its filters in the link (?_changelist_filters=...).
            page.click(f'#result_list a[href*="/{row.pk}/change/"]')
            page.wait_for_url(f"{changelist}{row.pk}/change/*")
            page.click("#dlq-replay-button")
            page.wait_for_selector(".messagelist .success")
            seen["message"] = page.inner_text(".messagelist .success")
            seen["status"] = page.inner_text("div.field-status div.readonly")
            page.screenshot(path=str(ARTIFACTS / "dashboard-replayed-letter.png"), full_page=True)

            page.goto(dashboard)
            cells = page.locator(f'tr.dlq-task[data-task="{TASK}"] a.dlq-count')
            seen["after"] = {
                cells.nth(i).get_attribute("data-status"): cells.nth(i).inner_text()
                for i in range(cells.count())
            }
        finally:
            browser.close()

    assert seen["overall"] == "degraded"  # "down" fails and is not critical
    assert seen["checks"] == 2
    assert seen["scopes"][0] == "74" and int(seen["scopes"][1]) >= 13  # + the real blocks
    assert seen["svgs"] >= 10  # latency, status, per-task bars, strips, sparklines, cache
    assert seen["pending_before"] == "2"
    assert "catalog" in seen["cache"]
    assert "ago" in seen["retention"] and "not seen" not in seen["retention"]
    assert "status__exact=pending" in seen["filtered_url"] and "task_name=" in seen["filtered_url"]
    assert seen["filtered_rows"] == 2
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.REPLAYED and row.replayed_by == "root"
    assert seen["message"] == f"Replayed 1 dead letter(s): #{row.pk} as {row.replayed_task_id}."
    assert seen["status"] == "replayed"
    assert seen["after"] == {"pending": "1", "replayed": "1", "discarded": "0", "resolved": "1"}
    assert [m["headers"]["id"] for m in broker.messages()] == [row.replayed_task_id]
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
