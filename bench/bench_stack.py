"""The whole stack: bare Django vs the peer stack vs infra_core, in-process and over HTTP.

Stacks and profile variants: see ``bench/stack_app.py`` (same view, same Redis, same machine).

1. In-process: every variant lives in its own fresh process (its own settings), set up and warmed
   once; each round asks every child, in a shuffled order, for one timed block of 500 WSGI requests
   (handler called directly, body consumed, ``close()`` called), so blocks of all variants run
   within ~3 s of each other and the VM's slow phases hit every variant alike. Per round: overhead
   over bare and the ratio infra_core/peer; printed: the median over rounds [min-max], and the
   same on the fast (p10) block means. 6 x ``--rounds`` rounds. The profile variants put ONE
   infra_core piece on bare; the rate-limit decision (``decide()``) and django-ratelimit's
   ``is_ratelimited`` are also timed alone. The candidate cuts are timed interleaved in one process.
2. HTTP: gunicorn (2 sync workers) and uvicorn (2 workers, async view where the stack has one) on a
   free loopback port per variant, ``wrk -t1 -c8`` for ``--seconds`` after a 1 s warm-up, variants
   alternated over ``--rounds``; req/s, p50, p99 and RSS per worker after the run. Then infra_core
   under gunicorn for 100,000 requests: RSS per worker after 10,000 and after 100,000.

3. One process (``bench/stack_layers.py``): infra_core's handlers (bare, without the limit, leased,
   exact) interleaved in one process, and each layer's own cost: no process-to-process noise.

Run: ``python bench/bench_stack.py`` (about 6 minutes), ``--smoke`` (about a minute),
``--inproc-only`` (in-process part only; with ``--requests N`` a handful of requests),
``--layers-only`` (the one-process profile only; ``--rounds``, ``--requests`` per block).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, interleaved, wsgi_request
from bench.harness import p10 as _fast
from bench.harness import spread as _spread
from bench.stack_app import VARIANTS

BLOCK = 500
HTTP_STACKS = ["bare", "peer", "infra", "infra_lease"]


# ---- in-process -------------------------------------------------------------------------------


def child_loop(variant: str, block: int, warmup: int) -> None:
    """Serve ``variant`` in this process: one timed block of WSGI requests per ``block`` line."""
    from bench.stack_app import configure

    prefix = configure(variant)
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    statuses = {wsgi_request(app, "/ping") for _ in range(warmup)}
    print(json.dumps({"ready": variant}), flush=True)
    clock = time.perf_counter_ns
    for line in sys.stdin:
        command = line.strip()
        if command == "block":
            t0 = clock()
            for _ in range(block):
                statuses.add(wsgi_request(app, "/ping"))
            mean = (clock() - t0) / block / 1000
            print(json.dumps({"mean": mean, "statuses": sorted(statuses)}), flush=True)
        elif command == "decision":
            print(json.dumps({"decision_us": _decision_alone(variant)}), flush=True)
        else:
            break
    _cleanup(prefix)


def _decision_alone(variant: str) -> float:
    # The limiter's decision by itself (no middleware, no view): what @rate_limit / @ratelimit add.
    from django.test import RequestFactory

    from bench.stack_app import RATE

    request = RequestFactory().get("/ping", REMOTE_ADDR="127.0.0.1")
    if variant == "infra_rl":
        from infra_core.ratelimit.decision import decide

        def call() -> Any:
            return decide(request, "bench_alone", "ip", RATE)
    else:
        from django_ratelimit.core import is_ratelimited

        def call() -> Any:
            return is_ratelimited(request, group="bench_alone", key="ip", rate=RATE, increment=True)

    for _ in range(100):
        call()
    t0 = time.perf_counter_ns()
    for _ in range(BLOCK):
        call()
    return (time.perf_counter_ns() - t0) / BLOCK / 1000


def _cleanup(prefix: str) -> None:
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    for key in client.scan_iter(match=f"*{prefix}*", count=1000):
        client.delete(key)


def _run_child(args: list[str], timeout: float = 300) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )
    return dict(json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1]))


def _ask(child: subprocess.Popen[str], command: str) -> dict[str, Any]:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(command + "\n")
    child.stdin.flush()
    line = child.stdout.readline()
    if not line:
        raise RuntimeError(f"bench child {child.args} exited with {child.wait(timeout=10)}")
    return dict(json.loads(line))


def inproc(rounds: int, variants: list[str], requests: int | None) -> dict[str, Any]:
    """Keep one fresh process per variant; each round times one block of each, order shuffled."""
    import random

    block = requests or BLOCK
    warmup = 20 if requests else 300
    children: dict[str, subprocess.Popen[str]] = {}
    per: dict[str, dict[str, Any]] = {v: {"means": [], "statuses": []} for v in variants}
    try:
        for v in variants:
            cmd = [sys.executable, __file__, "--child", v, "--block", str(block)]
            children[v] = subprocess.Popen(
                [*cmd, "--warmup", str(warmup)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
        for v, child in children.items():
            assert child.stdout is not None
            line = child.stdout.readline()  # ready: set up and warmed (a failed child ends it)
            if not line:
                raise RuntimeError(f"bench child {v} exited with {child.wait(timeout=10)}")
        rng = random.Random(16)
        order = list(variants)
        for _ in range(rounds):
            rng.shuffle(order)
            for v in order:
                res = _ask(children[v], "block")
                per[v]["means"].append(res["mean"])
                per[v]["statuses"] = res["statuses"]
        if not requests:
            for v in ("infra_rl", "peer"):
                if v in children:
                    per[v]["decision_us"] = [_ask(children[v], "decision")["decision_us"]]
                    per[v]["decision_us"] += [_ask(children[v], "decision")["decision_us"]]
    finally:
        for child in children.values():
            if child.poll() is None:
                assert child.stdin is not None
                child.stdin.close()  # the child cleans its Redis keys and exits
        for child in children.values():
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)
    return per


def report_inproc(per: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Print the overhead table, the ratio line and the profile; return the summary."""
    bare = per["bare"]["means"]
    rounds = len(bare)
    summary: dict[str, Any] = {"rounds": rounds}
    print(f"\nin-process, {rounds} interleaved round(s), one block of requests per variant each")
    print("| variant | median µs | fast µs | overhead µs, median [min-max] | overhead µs, fast |")
    print("|---|---|---|---|---|")
    for v, res in per.items():
        over = [m - b for m, b in zip(res["means"], bare, strict=True)]
        fast_over = _fast(res["means"]) - _fast(bare)
        summary[v] = {"overhead": over, "overhead_fast": fast_over, "statuses": res["statuses"]}
        print(
            f"| {v} | {statistics.median(res['means']):.1f} | {_fast(res['means']):.1f} "
            f"| {_spread(over)} | {fast_over:.1f} |"
        )
    for v, res in per.items():
        if res["statuses"] != [200]:
            print(f"variant {v} answered {res['statuses']}")
    for a, b in (("infra", "peer"), ("infra_lease", "peer"), ("infra_norl", "peer_norl")):
        if a in per and b in per:
            oa, ob = summary[a]["overhead"], summary[b]["overhead"]
            ratios = [x / y for x, y in zip(oa, ob, strict=True) if y > 0]
            fast = summary[a]["overhead_fast"] / summary[b]["overhead_fast"]
            summary[f"ratio_{a}_{b}"] = ratios
            summary[f"ratio_{a}_{b}_fast"] = fast
            print(f"ratio {a}/{b} overhead (rounds): {_spread(ratios)}; fast blocks: {fast:.2f}")
    for v in ("infra_rl", "peer"):
        alone = per.get(v, {}).get("decision_us")
        if alone:
            name = "infra_core decide()" if v == "infra_rl" else "django-ratelimit is_ratelimited"
            print(f"rate-limit decision alone, {name}: {_spread(alone)} µs")
            summary[f"decision_alone_{v}"] = alone
    return summary


# ---- candidate cuts (one process, interleaved) ------------------------------------------------


def child_cuts(rounds: int) -> dict[str, Any]:
    """Time each cut beside its alternative (made: before vs now), interleaved in one process."""
    from bench.stack_cuts import cut_callables

    pairs = cut_callables()
    fns = {n: f for pair in pairs.values() for n, f in pair.items()}
    means = interleaved(fns, rounds, 1000, warmup=300, seed=0)
    out = {}
    for cut, pair in pairs.items():
        today, cand = list(pair)
        saved = [a - b for a, b in zip(means[today], means[cand], strict=True)]
        out[cut] = {
            "today": today,
            "candidate": cand,
            "today_us": round(statistics.median(means[today]), 2),
            "candidate_us": round(statistics.median(means[cand]), 2),
            "saved_us": [round(s, 2) for s in saved],
        }
    return out


def report_cuts(cuts: dict[str, Any]) -> None:
    print("\ncuts (interleaved, 1,000-call blocks; saving = first - second, per call)")
    print("| cut | first | µs | second | µs | saved µs median [min-max] |")
    print("|---|---|---|---|---|---|")
    for cut, c in cuts.items():
        print(
            f"| {cut} | {c['today']} | {c['today_us']} | {c['candidate']} | {c['candidate_us']} "
            f"| {_spread(c['saved_us'])} |"
        )


def _layers(rounds: int, block: int) -> dict[str, Any]:
    """Run bench/stack_layers.py's one-process profile in a fresh process and print it."""
    from bench.stack_layers import report

    args = ["--layers-child", "--rounds", str(rounds), "--block", str(block)]
    layers = _run_child(args)
    report(layers)
    return layers


# ---- HTTP -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(server: str, variant: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    bindir = Path(sys.executable).parent
    if server == "gunicorn":
        cmd = [str(bindir / "gunicorn"), "bench.stack_app:application", "--workers", "2"]
        cmd += ["--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    else:
        cmd = [str(bindir / "uvicorn"), "bench.stack_app:asgi", "--workers", "2", "--port"]
        cmd += [str(port), "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
    env = {**os.environ, "BENCH_STACK_VARIANT": variant, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as resp:
                if resp.status == 200:
                    return proc, port
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{server} {variant} exited with {proc.returncode}") from None
            time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"{server} {variant} did not answer 200 within 30 s")


def _workers(proc: subprocess.Popen[bytes]) -> list[Any]:
    import psutil

    kids = psutil.Process(proc.pid).children()
    return [k for k in kids if "resource_tracker" not in " ".join(k.cmdline())]


def _rss_mb(proc: subprocess.Popen[bytes]) -> list[float]:
    return [round(w.memory_info().rss / 2**20, 1) for w in _workers(proc)]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        return float("nan")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def _wrk(port: int, seconds: float) -> dict[str, Any]:
    cmd = ["wrk", "-t1", "-c8", f"-d{seconds:g}s", "--latency", f"http://127.0.0.1:{port}/ping"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=seconds + 30)
    text = out.stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    p50 = re.search(r"50%\s+(\S+)", text).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+(\S+)", text).group(1)  # type: ignore[union-attr]
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),  # type: ignore[union-attr]
        "p50_ms": _ms(p50),
        "p99_ms": _ms(p99),
        # As wrk printed them: a NaN above (a form _ms does not read) can then be looked at.
        "latency_raw": [p50, p99],
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def http(rounds: int, seconds: float) -> dict[str, Any]:
    """Serve each stack under gunicorn and uvicorn in turn, rounds alternated; wrk each."""
    results: dict[str, list[dict[str, Any]]] = {}
    for r in range(rounds):
        for server in ("gunicorn", "uvicorn"):
            n = r % len(HTTP_STACKS)
            stacks = HTTP_STACKS[n:] + HTTP_STACKS[:n]
            for variant in stacks:
                proc, port = _start(server, variant)
                try:
                    _wrk(port, 1)  # warm-up: imports, Redis connections, scripts loaded
                    res = _wrk(port, seconds)
                    res["rss_mb"] = _rss_mb(proc)
                finally:
                    _stop(proc)
                results.setdefault(f"{server} {variant}", []).append(res)
    return results


def report_http(results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    print("\nHTTP, wrk -t1 -c8 on loopback, 2 workers (median [min-max] over rounds)")
    print("| server, stack | req/s | p50 ms | p99 ms | RSS per worker MB | non-2xx |")
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        rss = [m for r in runs for m in r["rss_mb"]]
        print(
            f"| {name} | {_spread([r['rps'] for r in runs])} "
            f"| {_spread([r['p50_ms'] for r in runs])} | {_spread([r['p99_ms'] for r in runs])} "
            f"| {_spread(rss)} | {sum(r['non2xx'] for r in runs)} |"
        )
    summary: dict[str, Any] = {}
    for server in ("gunicorn", "uvicorn"):
        for stack in ("infra", "infra_lease"):
            infra, peer = results.get(f"{server} {stack}"), results.get(f"{server} peer")
            if infra and peer:
                rps = [a["rps"] / b["rps"] for a, b in zip(infra, peer, strict=True)]
                p99 = [a["p99_ms"] / b["p99_ms"] for a, b in zip(infra, peer, strict=True)]
                name = server if stack == "infra" else f"{server} {stack}"
                summary[name] = {"rps_ratio": rps, "p99_ratio": p99}
                print(f"{name}: req/s {stack}/peer {_spread(rps)}; p99 {stack}/peer {_spread(p99)}")
    return summary


def growth(target: int) -> dict[str, Any]:
    """Serve infra_core under gunicorn; RSS per worker after 10 % of ``target`` and after all."""
    proc, port = _start("gunicorn", "infra")
    done, first = 0, None
    try:
        _wrk(port, 1)
        deadline = time.monotonic() + 240
        while done < target and time.monotonic() < deadline:
            done += _wrk(port, 3)["requests"]
            if first is None and done >= target // 10:
                first = {"requests": done, "rss_mb": _rss_mb(proc)}
        last = {"requests": done, "rss_mb": _rss_mb(proc)}
    finally:
        _stop(proc)
    assert first is not None
    pairs = zip(first["rss_mb"], last["rss_mb"], strict=True)
    pct = [round((b - a) / a * 100, 2) for a, b in pairs]
    print(
        f"\nRSS growth, infra_core under gunicorn: {first['rss_mb']} MB per worker after "
        f"{first['requests']:,} requests, {last['rss_mb']} MB after {last['requests']:,}: {pct} %"
    )
    return {"first": first, "last": last, "growth_pct": pct}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cuts-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--layers-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--layers-only", action="store_true", help="only the one-process profile (handlers, layers)"
    )
    parser.add_argument("--smoke", action="store_true", help="one short round of everything")
    parser.add_argument("--inproc-only", action="store_true")
    parser.add_argument("--block", type=int, default=BLOCK, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=300, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3, help="HTTP rounds (x6: in-process)")
    parser.add_argument("--requests", type=int, help="requests per in-process block (smoke)")
    parser.add_argument("--seconds", type=float, default=7.0, help="wrk duration per variant")
    parser.add_argument("--growth", type=int, default=100_000, help="requests for the RSS check")
    args = parser.parse_args()
    if args.child:
        child_loop(args.child, args.block, args.warmup)
        return
    if args.cuts_child:
        print(json.dumps(child_cuts(args.rounds)))
        return
    if args.layers_child:
        from bench.stack_layers import measure

        print(json.dumps(measure(rounds=args.rounds, block=args.block)))
        return
    if args.layers_only:
        layers = _layers(args.rounds, args.requests or 300)
        print(json.dumps({"layers": layers}))
        return
    if args.smoke:
        args.rounds, args.seconds, args.growth = 1, 2.0, 20_000
    started = time.monotonic()
    print(f"load average at start: {os.getloadavg()}", flush=True)
    per = inproc(6 * args.rounds, VARIANTS, args.requests)
    results: dict[str, Any] = {"inproc": report_inproc(per)}
    if not args.inproc_only:
        results["cuts"] = _run_child(["--cuts-child", "--rounds", str(10 * args.rounds)])
        report_cuts(results["cuts"])
        results["layers"] = _layers(7 * args.rounds, 300)
        if shutil.which("wrk") is None:
            print("\nwrk is not installed (Debian package wrk): HTTP part skipped")
        else:
            raw = http(args.rounds, args.seconds)
            results["http"] = {"runs": raw, "summary": report_http(raw)}
            results["growth"] = growth(args.growth)
    print(f"\nload average at end: {os.getloadavg()}; {time.monotonic() - started:.0f} s")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
