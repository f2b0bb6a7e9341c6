"""``make run``: migrate, seed, then serve example_project and a Celery worker until Ctrl-C.

``python -m example_project.run [--port N]`` (default ``EXAMPLE_PORT``, else 8000). It is a small
supervisor: the web server (``runserver --noreload``) and the worker are its children, each in its
own process group, so a Ctrl-C reaches only the supervisor, which stops both the same way every
time: SIGTERM to each (the worker finishes the task at hand: a warm shutdown), then, after
``--stop-timeout`` seconds, SIGKILL to whatever is left of either process group. On Linux the
children also get SIGTERM if the supervisor itself dies (``PR_SET_PDEATHSIG``). If one child
exits on its own, the other is stopped too and the exit code is 1.

``METRICS_TOKEN`` and ``HEALTH_TOKEN`` are taken from the environment, or made up for this run
and printed (``export`` lines to paste into the shell you curl from).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PYTHON = sys.executable


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return preexec


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, start_new_session=True, preexec_fn=_die_with_parent()
    )


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop(children: list[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM each child, wait up to ``timeout`` s, then SIGKILL what is left of each group."""
    for proc in children:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.0, deadline - time.monotonic()))
    for proc in children:
        # Also the group: a pool process whose parent died must not outlive the run.
        _signal_group(proc, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)


def say(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def _live(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/live/", timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _banner(port: int, env: dict[str, str], web: int, worker: int) -> str:
    base = f"http://{HOST}:{port}"
    return "\n".join(
        [
            "",
            f"run: infra_core example on {base}/ (web pid {web}, worker pid {worker});"
            " Ctrl-C stops both",
            f"run: admin {base}/admin/ (the account printed by seed above), dead letters at"
            f" {base}/admin/infra_core/deadletter/",
            "run: the README walkthrough curls these; in the shell you curl from, first:",
            f"export METRICS_TOKEN={env['METRICS_TOKEN']}",
            f"export HEALTH_TOKEN={env['HEALTH_TOKEN']}",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("EXAMPLE_PORT", "8000")))
    parser.add_argument("--stop-timeout", type=float, default=20.0)
    parser.add_argument("--start-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)

    env = dict(os.environ, EXAMPLE_PORT=str(args.port), PYTHONUNBUFFERED="1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    for name in ("METRICS_TOKEN", "HEALTH_TOKEN"):
        env.setdefault(name, secrets.token_urlsafe(18))
    manage = [PYTHON, "manage.py"]
    for step in (["migrate", "--noinput"], ["example_seed"]):
        if subprocess.call([*manage, *step], cwd=ROOT, env=env) != 0:
            say(f"run: manage.py {' '.join(step)} failed", err=True)
            return 1

    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    children = [
        _start([*manage, "runserver", f"{HOST}:{args.port}", "--noreload"], env),
        _start(
            [PYTHON, "-m", "celery", "-A", "example_project", "worker", "--loglevel", "INFO",
             "--concurrency", "2", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--hostname", f"example-{os.getpid()}@{HOST}"],
            env,
        ),
    ]  # fmt: skip
    web, worker = children
    say(f"run: starting (web pid {web.pid}, worker pid {worker.pid})")
    code = 0
    try:
        deadline = time.monotonic() + args.start_timeout
        while not stopping and not _live(args.port):
            if any(p.poll() is not None for p in children) or time.monotonic() > deadline:
                say("run: the web server did not come up", err=True)
                return 1
            time.sleep(0.2)
        if not stopping:
            say(_banner(args.port, env, web.pid, worker.pid))
        while not stopping:
            exited = [p for p in children if p.poll() is not None]
            if exited:
                say(f"run: pid {exited[0].pid} exited ({exited[0].returncode})", err=True)
                code = 1
                break
            time.sleep(0.2)
    finally:
        say("run: stopping the web server and the worker")
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stop short
        stop(children, args.stop_timeout)
        say(f"run: stopped (web {web.returncode}, worker {worker.returncode})")
    return code


if __name__ == "__main__":
    sys.exit(main())
