"""Publishing while the broker is down: a fast JobQueueError, the example's 503 envelope.

"Down" is a free loopback port nobody listens on (connection refused), never the shared broker.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from celery import Celery

from infra_core.errors import JobQueueError
from infra_core.tasks import InfraTask
from infra_core.tasks.publish import publish_retry_policy
from tests.conftest import HOST, free_port
from tests.tasks.conftest import ROOT


def _dead_broker_app(port: int) -> Celery:
    app = Celery("publish-test", broker=f"redis://{HOST}:{port}/0", set_as_current=False)
    app.conf.broker_transport_options = {"socket_connect_timeout": 0.5}
    return app


def test_publish_retry_policy_follows_setting(settings: Any) -> None:
    settings.INFRA_CORE = {"TASKS_PUBLISH_RETRIES": 0}
    assert publish_retry_policy()["max_retries"] == 0


def test_infra_task_publish_broker_refused_raises_job_queue_error_fast() -> None:
    app = _dead_broker_app(free_port())

    @app.task(base=InfraTask, name="tests.publish.noop", shared=False)
    def noop() -> None:  # pragma: no cover - never runs: the publish fails
        return None

    start = time.monotonic()
    with pytest.raises(JobQueueError) as caught:
        noop.delay()
    took = time.monotonic() - start
    assert caught.value.status == 503
    assert caught.value.code == "job_queue_unavailable"
    assert took < 1.0, f"publish took {took:.2f}s"
    app.close()


SCRIPT = """
import json, time
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost", raise_request_exception=False)
out = {}
def call(name, method, **kw):
    start = time.monotonic()
    response = getattr(client, method)("/demo/task/", **kw)
    out[name] = [response.status_code, json.loads(response.content), time.monotonic() - start]
call("get", "get")
call("repeated", "post", data='{"order": 1, "order": 2}', content_type="application/json")
call("malformed", "post", data='{"order": "x"}', content_type="application/json")
call("form", "post", data={"order": "1"})
call("down", "post", data='{"order": 1}', content_type="application/json")
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def demo_answers() -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "CELERY_BROKER_URL": f"redis://{HOST}:{free_port()}/0",
    }
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.integration
def test_example_demo_task_get_is_405_envelope(demo_answers: dict[str, Any]) -> None:
    code, body, _ = demo_answers["get"]
    assert (code, body["error"]["code"]) == (405, "method_not_allowed")


@pytest.mark.integration
@pytest.mark.parametrize("case", ["repeated", "malformed"])
def test_example_demo_task_bad_order_is_400_envelope_naming_it(
    demo_answers: dict[str, Any], case: str
) -> None:
    code, body, _ = demo_answers[case]
    assert (code, body["error"]["code"]) == (400, "validation_error")
    assert body["error"]["details"] == {"field": "order"}
    assert "order" in body["error"]["message"]


@pytest.mark.integration
def test_example_demo_task_form_post_is_refused(demo_answers: dict[str, Any]) -> None:
    code, body, _ = demo_answers["form"]  # what a cross-site form could send
    assert (code, body["error"]["details"]) == (400, {"field": "content-type"})


@pytest.mark.integration
def test_example_demo_task_broker_down_is_fast_503_envelope(demo_answers: dict[str, Any]) -> None:
    code, body, took = demo_answers["down"]
    assert (code, body["error"]["code"]) == (503, "job_queue_unavailable")
    assert body["error"]["request_id"]
    assert took < 1.5, f"answered after {took:.2f}s"
