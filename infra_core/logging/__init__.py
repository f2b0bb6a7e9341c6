"""Structured logging: JSON formatter, context and redaction filters, access log, helpers."""

from __future__ import annotations

from infra_core.logging.config import logging_config
from infra_core.logging.security import log_security_event
from infra_core.logging.timing import measure, measure_job, measure_query

__all__ = ["log_security_event", "logging_config", "measure", "measure_job", "measure_query"]
