"""Test settings whose module loads the ACCEPTANCE schema, as a project's settings would."""

from __future__ import annotations

from tests.env.schemas import ACCEPTANCE
from tests.settings import *  # noqa: F403

env = ACCEPTANCE.load()
ACME_API_KEY = env.ACME_API_KEY
