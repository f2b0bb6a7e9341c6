"""The dead-letter admin in headless Debian Chromium, driven by Playwright, against live_server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from infra_core.tasks.models import DeadLetter
from tests.tasks import test_admin
from tests.tasks.test_admin import Broker

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# The admin tests' fixtures: a per-test queue on the real broker, and rows that go to it.
broker = test_admin.broker
make_row = test_admin.make_row


def _require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` "
            "(`make test` does it when run as root)"
        )


def test_admin_replay_in_browser_marks_row_replayed(
    live_server: Any, django_user_model: Any, make_row: Any, broker: Broker
) -> None:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    django_user_model.objects.create_superuser("root", "root@example.com", "pw-browser-1")
    row = make_row(task_name="tests.testapp.tasks.browser_replay", args=["<i>x</i>", 2])
    changelist = f"{live_server.url}/admin/infra_core/deadletter/"
    ARTIFACTS.mkdir(exist_ok=True)

    # Database work stays outside this block: Playwright's sync API runs an event loop in this
    # thread, and Django refuses ORM calls while one runs (SynchronousOnlyOperation).
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(15_000)
            page.goto(f"{live_server.url}/admin/login/?next=/admin/infra_core/deadletter/")
            page.fill("#id_username", "root")
            page.fill("#id_password", "pw-browser-1")
            page.click("input[type=submit]")
            page.wait_for_url(changelist)

            page.click(f'#result_list a[href$="/{row.pk}/change/"]')
            page.wait_for_url(f"{changelist}{row.pk}/change/")
            payload = page.inner_text("div.field-args_block pre")
            page.go_back()
            page.wait_for_url(changelist)

            page.check(f'input[name="_selected_action"][value="{row.pk}"]')
            page.select_option('select[name="action"]', "replay")
            page.click('button[name="index"]')
            page.wait_for_selector(".messagelist .success")
            message = page.inner_text(".messagelist .success")
            page.screenshot(path=str(ARTIFACTS / "dlq-admin.png"), full_page=True)
        finally:
            browser.close()

    assert '"<i>x</i>"' in payload
    row.refresh_from_db()
    assert row.status == DeadLetter.Status.REPLAYED and row.replayed_by == "root"
    assert message == f"Replayed 1 dead letter(s): #{row.pk} as {row.replayed_task_id}."
    assert [m["headers"]["id"] for m in broker.messages()] == [row.replayed_task_id]
