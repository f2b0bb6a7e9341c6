"""Instructions per request of the whole stack, counted by callgrind: stable on a busy machine.

Wall-clock figures on this VM swing by 2x with its slow phases and with other work on the two
cores; an instruction count does not (``valgrind --tool=callgrind`` counts what the process
executes, whatever else runs). This script counts the instructions one in-process WSGI request
costs for bare Django and for infra_core's documented stack, in one or more source trees, so two
revisions can be compared exactly (e.g. before and after a refactor):

    python bench/instructions.py                      # this checkout
    python bench/instructions.py --tree ../old-checkout --tree .

Per tree and variant it runs the request loop twice under callgrind (``--requests`` and none)
and reports the difference divided by the number of requests: start-up and warm-up cancel out.
The rate limit talks to the Redis of ``INFRA_TEST_REDIS_URL`` (default 127.0.0.1:6379); only the
client side is counted. Needs Debian's valgrind.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("bare", "infra", "infra_lease")
LEASE = 100  # infra_lease: the scope in leased mode, this many permits per Redis call
BASE_MW = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
INFRA_MW = [
    "infra_core.middleware.RequestIDMiddleware",
    "infra_core.middleware.MetricsMiddleware",
    *BASE_MW,
    "infra_core.middleware.AccessLogMiddleware",
    "infra_core.middleware.ErrorMiddleware",
]


def child(variant: str, requests: int) -> None:
    """Configure Django for ``variant`` and serve ``requests`` requests (the counted loop)."""
    import django
    from django.conf import settings

    redis_url = os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    infra = variant != "bare"
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["infra_core"] if infra else [],
        MIDDLEWARE=INFRA_MW if infra else BASE_MW,
        DATABASES={},
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": f"bench-instr-{os.getpid()}",
            }
        },
        INFRA_CORE={
            "RATELIMIT_RATES": {"bench": "100000000/m"},
            **({"RATELIMIT_SCOPE_LEASE": {"bench": LEASE}} if variant == "infra_lease" else {}),
        },
        LOGGING_CONFIG=None,
    )
    django.setup()
    if infra:
        import logging
        import logging.config

        from infra_core.logging import logging_config

        logging.config.dictConfig(logging_config(json=True, level="INFO"))
        sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
            for handler in getattr(logger, "handlers", []):
                if isinstance(handler, logging.StreamHandler):
                    handler.setStream(sink)
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/ping",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": __import__("io").BytesIO(b""),
    }
    for _ in range(200):  # warm-up: imports, first Redis connection, compiled regexes
        _serve(handler, environ)
    for _ in range(requests):
        _serve(handler, environ)


def _serve(handler: object, environ: dict[str, object]) -> None:
    body = handler(dict(environ), lambda status, headers: None)  # type: ignore[operator]
    for _ in body:
        pass
    body.close()


def ping(request: object) -> object:
    from django.http import JsonResponse

    return JsonResponse({"ok": True})


def _urlpatterns() -> list[object]:
    from django.urls import path

    view = ping
    if "infra_core" in sys.modules:
        from infra_core.ratelimit import rate_limit

        view = rate_limit("bench", key="ip")(ping)
    return [path("ping", view)]


def __getattr__(name: str) -> object:  # the URLconf, built after settings
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def count(tree: Path, variant: str, requests: int) -> int:
    """Return the instructions callgrind counted for one child run in ``tree``."""
    with tempfile.TemporaryDirectory() as out:
        log = Path(out) / "callgrind.out"
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={log}",
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                variant,
                str(requests),
            ],
            check=True,
            env=env,
            cwd=tree,
            capture_output=True,
            timeout=900,
        )
        summary = re.search(r"^summary:\s+(\d+)", log.read_text(), re.M)
        if summary is None:
            raise RuntimeError("callgrind wrote no summary line")
        return int(summary.group(1))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, help="source tree (repeatable)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], int(args.child[1]))
        return 0
    results: dict[str, dict[str, float]] = {}
    for tree in args.tree or [ROOT]:
        per: dict[str, float] = {}
        for variant in VARIANTS:
            loaded = count(tree.resolve(), variant, args.requests)
            idle = count(tree.resolve(), variant, 0)
            per[variant] = (loaded - idle) / args.requests
        per["overhead"] = per["infra"] - per["bare"]
        per["overhead_lease"] = per["infra_lease"] - per["bare"]
        results[str(tree)] = per
        print(
            f"{tree}: bare {per['bare']:,.0f}, infra {per['infra']:,.0f}, infra_lease "
            f"{per['infra_lease']:,.0f} instructions/request; infra_core's overhead "
            f"{per['overhead']:,.0f} (leased mode {per['overhead_lease']:,.0f})",
            flush=True,
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
