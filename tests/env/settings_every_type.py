"""Test settings that name EVERY_TYPE as the project's schema (for infra_env subprocesses)."""

from __future__ import annotations

from tests.settings import *  # noqa: F403

INFRA_CORE = {"ENV_SCHEMA": "tests.env.schemas.EVERY_TYPE"}
