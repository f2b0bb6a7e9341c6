"""Health endpoints: infra_core /health/ and /ready/ beside django-health-check, one run.

Both sides check the ``default`` database (``SELECT 1``) and the ``default`` cache (django-redis,
write/read/delete). Variants (each in its own process, in-process WSGI,
``Accept: application/json``):

* ``peer``: django-health-check ``HealthCheckView.as_view(checks=[Database, Cache])``.
* ``infra_health_nocache`` / ``infra_ready_nocache``: every probe runs the checks
  (``HEALTH_CACHE_SECONDS = 0``): the like-for-like comparison.
* ``infra_health_cached`` / ``infra_ready_cached``: the default 2 s result cache (what a probe storm
  costs).

``BENCH_DB=sqlite`` (a temp file) or ``postgres`` (127.0.0.1:5432, database ``INFRA_TEST_PG_NAME``
or ``test``). Redis at ``INFRA_TEST_REDIS_URL`` or 127.0.0.1:6379 with its own key prefix.
New DB connections per request are counted with ``connection_created``.

Run: ``python bench/bench_health.py`` (both databases, prints tables and JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ratio, run_variant, time_callable, wsgi_request

VARIANTS = [
    "peer",
    "infra_health_nocache",
    "infra_ready_nocache",
    "infra_health_cached",
    "infra_ready_cached",
]
PATHS = {"peer": "/peer/"}


def _urls() -> list[Any]:
    from django.urls import include, path
    from health_check.views import HealthCheckView

    return [
        path(
            "peer/",
            HealthCheckView.as_view(
                checks=["health_check.checks.Database", "health_check.checks.Cache"]
            ),
        ),
        path("", include("infra_core.urls")),
    ]


def __getattr__(name: str) -> Any:
    # ROOT_URLCONF imports this module as bench.bench_health; build routes after settings exist.
    if name == "urlpatterns":
        return _urls()
    raise AttributeError(name)


def _database(db: str) -> dict[str, Any]:
    if db == "postgres":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": os.environ.get("INFRA_TEST_PG_PORT", "5432"),
            "USER": os.environ.get("INFRA_TEST_PG_USER", "postgres"),
            "NAME": os.environ.get("INFRA_TEST_PG_NAME", "test"),
            "OPTIONS": {"connect_timeout": 3},
        }
    name = str(Path(tempfile.gettempdir()) / f"bench-health-{os.getpid()}.sqlite3")
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": name}


def configure(variant: str, db: str) -> None:
    from django.conf import settings

    infra: dict[str, Any] = {
        "HEALTH_CHECKS": [
            {"check": "infra_core.health.probes.DatabaseCheck", "options": {"alias": "default"}},
            {"check": "infra_core.health.probes.CacheCheck", "options": {"alias": "default"}},
        ],
        "HEALTH_CACHE_SECONDS": 0 if variant.endswith("nocache") else 2.0,
    }
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="bench.bench_health",
        INSTALLED_APPS=["infra_core", "health_check"],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        TEMPLATES=[
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        DATABASES={"default": _database(db)},
        CACHES={
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
                "KEY_PREFIX": f"bench-health-{os.getpid()}",
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
            }
        },
        INFRA_CORE=infra,
        USE_TZ=True,
    )


def measure_variant(variant: str) -> dict[str, Any]:
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    db = os.environ.get("BENCH_DB", "sqlite")
    configure(variant, db)
    import django
    from django.core.wsgi import get_wsgi_application
    from django.db.backends.signals import connection_created

    django.setup()
    app = get_wsgi_application()
    path = PATHS.get(variant, "/ready/" if "_ready_" in variant else "/health/")
    headers = {"Accept": "application/json"}
    opened = [0]
    connection_created.connect(lambda **kw: opened.__setitem__(0, opened[0] + 1), weak=False)
    status = wsgi_request(app, path, headers)
    assert status == 200, f"{variant} {path} answered {status}"
    n, repeats = 200, 5
    result = time_callable(
        lambda: wsgi_request(app, path, headers), n=n, repeats=repeats, warmup=50, block=50
    )
    result.update(variant=variant, db=db, path=path)
    result["db_connections_per_req"] = round(opened[0] / (1 + 50 + n * repeats), 3)
    name = _database(db).get("NAME", "")
    if db == "sqlite":
        Path(name).unlink(missing_ok=True)
    return result


def report(db: str) -> dict[str, Any]:
    env = {"BENCH_DB": db}
    results = {v: run_variant("bench_health.py", v, env=env) for v in VARIANTS}
    peer = results["peer"]
    print(f"\n{db}: | variant | path | fast µs | median µs | p50 / p99 µs | new DB conn/req |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['path']} | {r['fast_us']} | {r['median_us']} | "
            f"{r['p50_us']} / {r['p99_us']} | {r['db_connections_per_req']} |"
        )
    for name in VARIANTS[1:]:
        print(f"{db} {name} / peer (fast): {ratio(results[name]['fast_us'], peer['fast_us'])}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant")
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure_variant(args.variant)))
        return
    all_results = {db: report(db) for db in args.db or ["sqlite", "postgres"]}
    print(json.dumps(all_results))


if __name__ == "__main__":
    main()
