"""docs/quickstart.md, followed literally on a fresh ``django-admin startproject``.

The page marks the blocks this test applies with an HTML comment on the line before the fence:

- ``<!-- quickstart: append PATH -->``: the block is appended to PATH (created if missing);
- ``<!-- quickstart: write PATH -->``: the block replaces PATH;
- ``<!-- quickstart: run -->``: each line is a command run in the project directory, in page order
  (``python`` is this interpreter); every one must exit 0;
- ``<!-- quickstart: curl -->``: each ``curl`` line is sent to the project served by ``runserver``
  on a free loopback port (for ``127.0.0.1:8000``); ``# NNN`` at the end is the expected status,
  ``with X-Name: value`` an expected header value and ``with an X-Name header`` a present one.

Unmarked blocks (``pip install``, ``runserver``) are what the test does itself: the package is
already installed, and the server is started here with ``METRICS_TOKEN`` set and stopped by PID.
PATHs are relative to the directory of ``manage.py``; the project package is ``mysite``.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_port

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "quickstart.md"
BLOCK_RE = re.compile(
    r"<!-- quickstart: (append|write|run|curl)(?: (\S+))? -->\n```[^\n]*\n(.*?)^```", re.M | re.S
)
CHECK_ID_RE = re.compile(r"infra_core\.[EW]\d{3}")
TOKEN = "quickstart-metrics-token-0123456789"


@dataclass(frozen=True)
class Block:
    action: str
    path: str | None
    text: str


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def _blocks() -> list[Block]:
    return [Block(a, p, t) for a, p, t in BLOCK_RE.findall(PAGE.read_text())]


def _env() -> dict[str, str]:
    # A small, fixed environment: the page's EnvSchema must not see the test runner's variables.
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONPATH"] = str(ROOT)
    env["METRICS_TOKEN"] = TOKEN
    return env


def _run(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(line, comments=True)
    if argv[0] == "python":
        argv[0] = sys.executable
    return subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=60)


def _apply(block: Block, project: Path, outputs: list[tuple[str, str]]) -> None:
    if block.action in ("append", "write"):
        assert block.path
        target = project / block.path
        old = target.read_text() if block.action == "append" and target.exists() else ""
        target.write_text(old + "\n" + block.text)
        return
    for line in block.text.splitlines():
        if not shlex.split(line, comments=True):
            continue
        result = _run(line, project)
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        outputs.append((line, result.stdout + result.stderr))


def _request(line: str, port: int) -> tuple[str, str | None, Answer]:
    argv = shlex.split(line, comments=True)
    url = next(a for a in argv if a.startswith("http://"))
    headers = {}
    for flag, value in itertools.pairwise(argv):
        if flag == "-H":
            name, _, raw = value.partition(":")
            headers[name] = raw.strip().replace("$METRICS_TOKEN", TOKEN)
    request = urllib.request.Request(url.replace(":8000", f":{port}"), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as exc:
        answer = Answer(exc.code, dict(exc.headers), exc.read().decode())
    path = url.split(":8000", 1)[1]
    return path, headers.get("Authorization"), answer


def _expectations(line: str, answer: Answer) -> None:
    comment = line.split("#", 1)[1]
    status = re.search(r"\b(\d{3})\b", comment)
    assert status, f"no expected status in {line!r}"
    assert answer.status == int(status.group(1)), (line, answer)
    for name, value in re.findall(r"with (X-[\w-]+): (\S+)", comment):
        assert answer.headers.get(name) == value, (line, answer.headers)
    for name in re.findall(r"with an? (X-[\w-]+) header", comment):
        assert answer.headers.get(name), (line, answer.headers)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quickstart")
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(root)],
        check=True,
        timeout=60,
        env=_env(),
    )
    return root


@pytest.mark.integration
def test_quickstart_followed_on_startproject_serves_probes_and_guarded_metrics(
    project: Path,
) -> None:
    blocks = _blocks()
    assert {b.action for b in blocks} == {"append", "write", "run", "curl"}
    outputs: list[tuple[str, str]] = []
    for block in blocks:
        if block.action != "curl":
            _apply(block, project, outputs)

    commands = [line for line, _ in outputs]
    for needed in ("check", "migrate", "infra_cleanup --dry-run", "infra_dlq list"):
        assert any(f"manage.py {needed}" in c for c in commands), needed
    checks = [out for line, out in outputs if line.strip() == "python manage.py check"]
    # The page's claims: the baseline check is clean; the last one names W205 and W509 only.
    assert "no issues" in checks[0], checks[0]
    assert set(CHECK_ID_RE.findall(checks[-1])) == {"infra_core.W205", "infra_core.W509"}
    assert all("ERRORS" not in out for out in checks), checks
    dlq = next(out for line, out in outputs if "infra_dlq list" in line)
    assert "blog.notify" in dlq and "ValueError" in dlq, dlq
    cleanup = next(out for line, out in outputs if "infra_cleanup" in line)
    assert "blog.Article" in cleanup, cleanup

    port = free_port()
    log_path = project / "server.log"
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=project,
            env=_env(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    answers: dict[tuple[str, str | None], Answer] = {}
    try:
        wait_port(port, seconds=30)
        curl = [b for b in blocks if b.action == "curl"]
        for line in (ln for b in curl for ln in b.text.splitlines() if ln.startswith("curl")):
            path, auth, answer = _request(line, port)
            _expectations(line, answer)
            answers[(path, auth)] = answer
    finally:
        server.terminate()
        server.wait(10)

    live = answers[("/live/", None)]
    assert live.status == 200 and live.headers.get("X-Request-ID"), log_path.read_text()
    assert answers[("/metrics", None)].status == 401
    scraped = answers[("/metrics", f"Bearer {TOKEN}")]
    assert scraped.status == 200 and "infra_core_http_requests_total" in scraped.body
