"""gunicorn config of the reliability stack: 2 sync workers and every infra_core hook."""

from __future__ import annotations

from infra_core.gunicorn import child_exit, on_starting, post_worker_init  # noqa: F401

workers = 2
worker_class = "sync"
graceful_timeout = 5
timeout = 30
backlog = 256
