"""Sentry: ``init_sentry()`` with 4xx dropped, secrets scrubbed, context tags, no PII."""

from __future__ import annotations

from infra_core.sentry.setup import init_sentry, sentry_options

__all__ = ["init_sentry", "sentry_options"]
