"""Make sure PostgreSQL and Redis are reachable, then run the given commands.

Usage: ``python tests/services.py -- CMD [ARGS...] [--- CMD2 ...]``

Reuses servers on 127.0.0.1:5432 / :6379 when they answer; otherwise starts throwaway instances
from the installed binaries on free loopback ports and stops them (by PID) afterwards; otherwise
exits with a message naming the Debian packages to install. Exports ``INFRA_TEST_*`` variables.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

HOST = "127.0.0.1"


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_port(port: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.1)
    raise SystemExit(f"service on {HOST}:{port} did not come up within {seconds}s")


@contextlib.contextmanager
def redis() -> Iterator[dict[str, str]]:
    if port_open(6379):
        yield {"INFRA_TEST_REDIS_URL": f"redis://{HOST}:6379/0"}
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit(
            "Redis is not running on 127.0.0.1:6379 and redis-server is not installed.\n"
            "Install it: apt-get install redis-server"
        )
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        print(f"services: started throwaway redis-server on {HOST}:{port} (pid {proc.pid})")
        yield {"INFRA_TEST_REDIS_URL": f"redis://{HOST}:{port}/0"}
    finally:
        proc.terminate()
        proc.wait(10)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    matches = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return matches[-1] if matches else None


@contextlib.contextmanager
def postgres() -> Iterator[dict[str, str]]:
    if port_open(5432):
        yield {"INFRA_TEST_PG_HOST": HOST, "INFRA_TEST_PG_PORT": "5432"}
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise SystemExit(
            "PostgreSQL is not running on 127.0.0.1:5432 and its server binaries are missing.\n"
            "Install them: apt-get install postgresql"
        )
    port = free_port()
    datadir = tempfile.mkdtemp(prefix="infra-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(datadir, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*prefix, initdb, "-D", datadir, "-U", "postgres", "--auth=trust"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    opts = f"-c listen_addresses={HOST} -c port={port} -c unix_socket_directories={datadir}"
    subprocess.run(
        [*prefix, pg_ctl, "-D", datadir, "-o", opts, "-w", "-l", f"{datadir}/log", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        print(f"services: started throwaway PostgreSQL on {HOST}:{port}")
        yield {
            "INFRA_TEST_PG_HOST": HOST,
            "INFRA_TEST_PG_PORT": str(port),
            "INFRA_TEST_PG_NAME": "postgres",
        }
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", datadir, "-m", "fast", "stop"], check=False)
        shutil.rmtree(datadir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__)
        return 2
    commands: list[list[str]] = [[]]
    for arg in argv[argv.index("--") + 1 :]:
        if arg == "---":
            commands.append([])
        else:
            commands[-1].append(arg)
    with redis() as r_env, postgres() as p_env:
        env = {**os.environ, **r_env, **p_env}
        for cmd in commands:
            env_overrides = {}
            while cmd and "=" in cmd[0] and cmd[0].split("=", 1)[0].isupper():
                key, value = cmd.pop(0).split("=", 1)
                env_overrides[key] = value
            print(
                "services: running",
                " ".join(f"{k}={v}" for k, v in env_overrides.items()),
                *cmd,
                flush=True,
            )
            code = subprocess.call(cmd, env={**env, **env_overrides})
            if code != 0:
                return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
