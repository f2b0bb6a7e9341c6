"""Run every side-by-side benchmark in bench/ (what `make bench` calls); each prints its ratios.

Usage: ``python bench/run.py [name ...]`` with names like ``ratelimit`` or ``tasks`` (default: all).
Each script runs in its own process; a failing one is reported and the others still run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = [
    "request_id",
    "metrics",
    "ratelimit",
    "health",
    "tasks",
    "env",
    "cache",
    "retention",
    "db",
    "stack",
    "async_lease",
    "dashboard",
]


def main(argv: list[str]) -> int:
    names = argv or SCRIPTS
    unknown = [n for n in names if n not in SCRIPTS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {SCRIPTS}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        script = BENCH / f"bench_{name}.py"
        print(f"\n=== bench/{script.name} ===", flush=True)
        started = time.monotonic()
        code = subprocess.run([sys.executable, str(script)], cwd=BENCH.parent, check=False)
        print(f"=== {script.name}: exit {code.returncode} in {time.monotonic() - started:.0f}s")
        if code.returncode:
            failed.append(name)
    if failed:
        print(f"failed: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
