from __future__ import annotations

from tests.testapp.models_retention import *  # noqa: F403
