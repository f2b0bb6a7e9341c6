"""gunicorn config for the drain test: only infra_core's drain hook."""

from __future__ import annotations

from infra_core.gunicorn import post_worker_init  # noqa: F401
