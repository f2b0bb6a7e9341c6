"""gunicorn config for the example project: ``gunicorn -c example_project/gunicorn.conf.py``.

Metrics from every worker are merged through PROMETHEUS_MULTIPROC_DIR. The variable must be set
before the app (and prometheus_client) is imported, which is why it is set here, at the top.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "infra-core-example-prometheus")
)

# on_starting wipes the directory at master start; child_exit marks dead workers;
# post_worker_init makes SIGTERM flip /ready/ to 503 for HEALTH_DRAIN_SECONDS before stopping.
from infra_core.gunicorn import child_exit, on_starting, post_worker_init  # noqa: F401

wsgi_app = "example_project.wsgi:application"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = 20  # > HEALTH_DRAIN_SECONDS (5) + the slowest request
timeout = 30
