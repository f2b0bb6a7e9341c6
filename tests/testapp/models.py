from __future__ import annotations

from tests.testapp import models_db  # noqa: F401  (the repository tests' models)
