"""Shared timing code for the side-by-side benchmarks in bench/.

Method (as in the peer baseline): warm up, then ``repeats`` x ``n`` calls, each timed with
``perf_counter_ns``. Reported per variant:

* ``median_us``: the median of the per-repeat means;
* ``fast_us``: the 10th percentile of the means of consecutive ``block``-sized blocks, which is
  robust against this VM's multi-second slow phases and is the number to compare CPU-bound code;
* ``p50_us`` / ``p99_us`` over all calls.

Each variant runs in its own fresh process (``run_variant``) so imports and settings cannot leak.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def p10(values: list[float]) -> float:
    """Return the 10th percentile of ``values`` (the "fast" figure; 0.0 for none)."""
    return sorted(values)[max(0, len(values) // 10 - 1)] if values else 0.0


def spread(values: list[float]) -> str:
    """Return ``values`` as "median [min-max]" (two decimals), or "n/a".

    NaN (a figure a tool printed in a form not understood) is left out and counted.
    """
    known = [v for v in values if v == v]
    missing = f" ({len(values) - len(known)} unparsed)" if len(known) < len(values) else ""
    if not known:
        return "n/a" + missing
    return f"{statistics.median(known):.2f} [{min(known):.2f}-{max(known):.2f}]{missing}"


def interleaved(
    fns: dict[str, Callable[[], Any]], rounds: int, block: int, *, warmup: int, seed: int
) -> dict[str, list[float]]:
    """Time ``block`` calls of every function per round, in a shuffled order each round.

    Returns name -> the per-round block means in µs. Blocks of all functions of a round run
    close together, so this VM's slow phases hit them alike; compare them round by round.
    """
    import random

    for fn in fns.values():
        for _ in range(warmup):
            fn()
    means: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    rng = random.Random(seed)
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            fn = fns[name]
            t0 = time.perf_counter_ns()
            for _ in range(block):
                fn()
            means[name].append((time.perf_counter_ns() - t0) / block / 1000)
    return means


def _stats(samples_ns: list[int], n: int, repeats: int, block: int) -> dict[str, float]:
    means = [statistics.fmean(samples_ns[i * n : (i + 1) * n]) / 1000 for i in range(repeats)]
    blocks = [
        statistics.fmean(samples_ns[i : i + block]) / 1000
        for i in range(0, len(samples_ns) - block + 1, block)
    ]
    ordered = sorted(samples_ns)
    return {
        "median_us": round(statistics.median(means), 2),
        "fast_us": round(p10(blocks), 2),
        "p50_us": round(ordered[len(ordered) // 2] / 1000, 2),
        "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000, 2),
        "n": n,
        "repeats": repeats,
    }


def time_callable(
    fn: Callable[[], Any], *, n: int = 5000, repeats: int = 5, warmup: int = 500, block: int = 500
) -> dict[str, float]:
    """Time ``fn()`` and return the stats described in the module docstring."""
    for _ in range(warmup):
        fn()
    clock = time.perf_counter_ns
    samples: list[int] = []
    append = samples.append
    for _ in range(repeats * n):
        t0 = clock()
        fn()
        append(clock() - t0)
    return _stats(samples, n, repeats, block)


def wsgi_environ(
    path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Return a minimal WSGI environ for one request (a fresh body stream each call)."""
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def wsgi_request(app: Callable[..., Any], path: str, headers: dict[str, str] | None = None) -> int:
    """Send one request through a WSGI app as a server would (consume body, call close())."""
    status_holder: list[str] = []

    def start_response(status: str, hdrs: Any, exc_info: Any = None) -> Any:
        status_holder.append(status)
        return lambda data: None

    result = app(wsgi_environ(path, headers=headers), start_response)
    try:
        for _ in result:
            pass
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(status_holder[0].split()[0])


def run_variant(script: str, variant: str, *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python bench/<script> --variant <variant>`` in a fresh process; parse its JSON line."""
    cmd = [sys.executable, str(ROOT / "bench" / script), "--variant", variant]
    out = subprocess.run(
        cmd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=900,
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    return dict(json.loads(lines[-1]))


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("nan")
