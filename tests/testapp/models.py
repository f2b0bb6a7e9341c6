from __future__ import annotations

from tests.testapp import models_db  # noqa: F401  (the repository tests' models)
from tests.testapp.models_cache import *  # noqa: F403 - cache invalidation test models
from tests.testapp.models_retention import *  # noqa: F403 - retention test models
