"""The served example, started the way ``make run`` starts it: the supervisor, on a free port.

Every instance gets a fresh temporary SQLite file (or the given DATABASE_URL) and filesystem-broker
folder; it is stopped with SIGINT (what Ctrl-C sends) and, failing that, killed by process group.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BANNER_RE = re.compile(r"\(web pid (\d+), worker pid (\d+)\)")


@dataclass
class Served:
    """One ``python -m example_project.run`` process and what it printed."""

    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    pids: dict[str, int] = field(default_factory=dict)
    exports: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self, timeout: float = 240.0) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "example_project.run", "--port", str(self.port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if "export HEALTH_TOKEN=" in text:
                web, worker = BANNER_RE.search(text).groups()  # type: ignore[union-attr]
                self.pids = {"web": int(web), "worker": int(worker)}
                self.exports = dict(re.findall(r"^export ([A-Z_]+)=(\S+)$", text, re.M))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"make run did not come up in {timeout}s:\n{self.text()[-5000:]}")

    def descendants(self) -> list[psutil.Process]:
        """The web server, the worker and the worker's pool processes, while they live."""
        found: list[psutil.Process] = []
        for pid in self.pids.values():
            with contextlib.suppress(psutil.NoSuchProcess):
                parent = psutil.Process(pid)
                found += [parent, *parent.children(recursive=True)]
        return found

    def interrupt(self, timeout: float = 90.0) -> int:
        """Send SIGINT (Ctrl-C) to the supervisor; return its exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """Leave nothing running, whatever state the test left it in (by PID and group)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.interrupt(60)
        for pid in [*self.pids.values(), *([self.proc.pid] if self.proc else [])]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def example_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A clean environment for the example: only PATH and what the test chooses."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp)),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "EXAMPLE_BROKER_DIR": str(tmp / "broker"),
    }
    env.update(extra)
    return env


def serve(tmp: Path, **extra: str) -> Served:
    served = Served(port=free_port(), env=example_env(tmp, **extra), log_path=tmp / "run.log")
    try:
        served.start()
    except BaseException:
        served.kill()
        raise
    return served
