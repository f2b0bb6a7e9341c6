"""``make run`` on a fresh machine: the README walkthrough, run against the served example.

The example is started as ``make run`` starts it (``python -m example_project.run``) on a free
port with a fresh SQLite file and filesystem-broker folder, no Redis, no PostgreSQL, no broker
server; the walkthrough's commands run through the Python interpreter of
``tests/example/walkthrough.py`` (``test_make_run_services.py`` runs them with bash and curl).
"""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator

import psutil
import pytest

from tests.conftest import HOST
from tests.example.conftest import BANNER_RE, ROOT, Served, alive, example_env, serve
from tests.example.walkthrough import fill, mismatch, remember, run_python, steps

Runner = Callable[[str, dict[str, str]], str]


def walk(served: Served, runner: Runner) -> list[tuple[str, str]]:
    """Run each walkthrough command against ``served``; fail naming the first shown line missing."""
    env = {**served.env, **served.exports}
    here = f"127.0.0.1:{served.port}"
    values: dict[str, object] = {}
    done: list[tuple[str, str]] = []
    for step in steps():
        expected = [line.replace("127.0.0.1:8000", here) for line in step.expected]
        if step.command.startswith("make run"):
            output = served.text()
        elif step.command.startswith("export "):
            continue  # the lines make run printed: already in env
        else:
            command = step.command.replace("127.0.0.1:8000", here)
            command = fill(command.replace(".venv/bin/python", sys.executable), values)
            deadline = time.monotonic() + (120 if step.later else 0)
            while True:
                output = runner(command, env)
                if mismatch(expected, output) is None or time.monotonic() > deadline:
                    break
                time.sleep(1)
        missing = mismatch(expected, output)
        assert missing is None, (
            f"README walkthrough: $ {step.command}\nshows   {missing}\nprinted {output[-3000:]}\n"
            f"make run log:\n{served.text()[-3000:]}"
        )
        remember(values, output)
        done.append((step.command, output))
    return done


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    instance = serve(tmp_path_factory.mktemp("make-run"))
    yield instance
    instance.kill()


@pytest.fixture(scope="module")
def walked(served: Served) -> list[tuple[str, str]]:
    return walk(served, run_python)


def test_readme_walkthrough_covers_every_capability() -> None:
    commands = "\n".join(step.command for step in steps())
    for needed in ("make run", "/live/", "/ready/", "/health/", "HEALTH_TOKEN", "/metrics",
                   "METRICS_TOKEN", "X-Api-Key: demo-free", "X-Api-Key: demo-pro", "/api/items/",
                   "<next_cursor>", "If-Match", "-X PUT", "/buy/", "/demo/task/",
                   "manage.py infra_dlq list"):  # fmt: skip
        assert needed in commands, f"the README walkthrough has no command with {needed!r}"
    assert all(step.expected for step in steps() if not step.command.startswith("export "))


def test_makefile_run_target_starts_the_supervisor() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\nrun: install\n", 1)[1].split("\n\n", 1)[0]
    assert "-m example_project.run" in target


@pytest.mark.integration
def test_make_run_readme_walkthrough_prints_what_it_shows(walked: list[tuple[str, str]]) -> None:
    assert len(walked) >= 20


@pytest.mark.integration
def test_make_run_demo_admin_sees_the_dead_letter(
    served: Served, walked: list[tuple[str, str]]
) -> None:
    found = re.search(r"admin: created user '(\w+)' with password '(\S+)'", served.text())
    assert found, "make run printed no demo admin credentials"
    user, password = found.groups()
    base = f"http://{HOST}:{served.port}"
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(f"{base}/admin/login/", timeout=30) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token
    form = {"csrfmiddlewaretoken": token.group(1), "username": user, "password": password,
            "next": "/admin/infra_core/deadletter/"}  # fmt: skip
    login = urllib.request.Request(
        f"{base}/admin/login/?next=/admin/infra_core/deadletter/",
        data=urllib.parse.urlencode(form).encode(), headers={"Referer": f"{base}/admin/login/"},
    )  # fmt: skip
    with browser.open(login, timeout=30) as page:
        assert page.url.endswith("/admin/infra_core/deadletter/"), page.url
        body = page.read().decode()
    assert "example.send_receipt" in body
    assert "ValueError" in body


@pytest.mark.integration
def test_make_run_seed_again_creates_nothing(served: Served, walked: list[tuple[str, str]]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "example_seed"],
        cwd=ROOT, env=served.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "admin: an admin account exists, kept as it is" in result.stdout
    assert "seed: 0 demo item(s) created, 3 kept" in result.stdout


def assert_interrupt_stops_everything(served: Served) -> None:
    children = served.descendants()
    assert len(children) >= 3, children  # web, worker, its pool
    assert served.interrupt() == 0, served.text()[-3000:]
    left = [p for p in children if alive(p)]
    assert not left, f"still running after Ctrl-C: {left}"
    with socket.socket() as s:
        assert s.connect_ex((HOST, served.port)) != 0, "the port still accepts connections"
    assert "run: stopped" in served.text()


@pytest.mark.integration
def test_make_run_ctrl_c_stops_web_and_worker(
    served: Served, walked: list[tuple[str, str]]
) -> None:
    assert_interrupt_stops_everything(served)


@pytest.mark.integration
def test_make_run_web_server_failing_stops_the_worker_and_exits_1(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tmp = tmp_path_factory.mktemp("make-run-busy")
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen(1)  # runserver cannot bind: "That port is already in use"
        served = Served(port=busy.getsockname()[1], env=example_env(tmp), log_path=tmp / "run.log")
        try:
            with served.log_path.open("ab") as log:
                served.proc = subprocess.Popen(
                    [sys.executable, "-m", "example_project.run", "--port", str(served.port)],
                    cwd=ROOT, env=served.env, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            assert served.proc.wait(240) == 1, served.text()[-3000:]
            found = BANNER_RE.search(served.text())
            assert found, served.text()[-3000:]
            served.pids = {"web": int(found.group(1)), "worker": int(found.group(2))}
            assert "run: the web server did not come up" in served.text()
            left = [pid for pid in served.pids.values() if psutil.pid_exists(pid)
                    and alive(psutil.Process(pid))]  # fmt: skip
            assert not left, f"still running: {left}"
        finally:
            served.kill()
