from __future__ import annotations

from tests.testapp.models_cache import *  # noqa: F403 - cache invalidation test models
