"""Checks on services over the network: the Celery broker and workers, HTTP dependencies."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from infra_core.health.base import CheckFailed, HealthCheck


def _celery_app(path: str | None) -> Any:
    if path:
        from django.utils.module_loading import import_string

        return import_string(path)
    from celery import current_app

    return current_app


class CeleryBrokerCheck(HealthCheck):
    """Open and close a connection to the Celery broker within the check's timeout."""

    def __init__(self, *, app: str | None = None, **base: Any) -> None:
        super().__init__(**base)
        self.app = app

    @classmethod
    def default_name(cls, options: dict[str, Any]) -> str:
        return "celery-broker"

    def check(self) -> str | None:
        celery_app = _celery_app(self.app)
        transport_options = {"socket_timeout": self.timeout, "socket_connect_timeout": self.timeout}
        with celery_app.connection_for_write(
            connect_timeout=self.timeout, transport_options=transport_options
        ) as conn:
            # max_retries=0 would retry forever in kombu; one attempt is what a probe wants.
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=self.timeout)
        return None


class CeleryWorkersCheck(HealthCheck):
    """Ping Celery workers (non-critical by default: a web node serves without them)."""

    default_critical = False

    def __init__(self, *, app: str | None = None, **base: Any) -> None:
        super().__init__(**base)
        self.app = app

    @classmethod
    def default_name(cls, options: dict[str, Any]) -> str:
        return "celery-workers"

    def check(self) -> str | None:
        celery_app = _celery_app(self.app)
        # Leave a margin inside the check's own timeout for connecting and collecting replies.
        replies = celery_app.control.ping(timeout=max(0.1, self.timeout * 0.8))
        if not replies:
            raise CheckFailed("no worker replied")
        return f"{len(replies)} worker(s) replied"


class HttpCheck(HealthCheck):
    """GET ``url`` and pass on a status below 400 (or in ``expect_status``)."""

    def __init__(self, *, url: str, expect_status: list[int] | None = None, **base: Any) -> None:
        super().__init__(**base)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must be an absolute http(s) URL, not {url!r}")
        self.url = url
        self.expect_status = tuple(expect_status) if expect_status else None

    @classmethod
    def default_name(cls, options: dict[str, Any]) -> str:
        return f"http:{urlsplit(str(options.get('url', ''))).hostname or 'unknown'}"

    def _ok(self, status: int) -> bool:
        return status in self.expect_status if self.expect_status else status < 400

    def check(self) -> str | None:
        # __init__ allows only http(s) URLs, so no file: or custom scheme reaches urlopen.
        request = urllib.request.Request(  # noqa: S310
            self.url, headers={"User-Agent": "infra-core-health"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            kind = "timed out" if "timed out" in str(reason) else "unreachable"
            raise CheckFailed(kind) from None
        if not self._ok(status):
            raise CheckFailed(f"HTTP {status}")
        return f"HTTP {status}"
