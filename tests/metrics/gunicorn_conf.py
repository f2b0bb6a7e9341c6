"""gunicorn config for test_gunicorn.py: infra_core's hooks, 2 sync workers."""

from __future__ import annotations

from infra_core.gunicorn import child_exit, on_starting  # noqa: F401

workers = 2
worker_class = "sync"
graceful_timeout = 5
timeout = 30
