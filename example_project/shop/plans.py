"""Demo API keys choose the plan (RATELIMIT_PLAN_RESOLVER) and the identity a limit counts.

A real project reads the plan from the user or the account; the example uses fixed demo keys so a
curl can pick one: ``-H 'X-Api-Key: demo-pro'``. Unknown or no key: the default plan, by IP.
"""

from __future__ import annotations

from django.http import HttpRequest

from infra_core.ratelimit.keys import ip_key

DEMO_KEYS = {"demo-free": "free", "demo-pro": "pro", "demo-enterprise": "enterprise"}


def plan_of(request: HttpRequest) -> str | None:
    return DEMO_KEYS.get(request.headers.get("X-Api-Key", ""))


def client_key(request: HttpRequest) -> str | None:
    key = request.headers.get("X-Api-Key", "")
    return f"key:{key}" if key in DEMO_KEYS else ip_key(request)
