"""Celery tasks with a declarative retry policy (issue 4; work in progress)."""

from __future__ import annotations
