from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.reliability.stack.settings")
application = get_wsgi_application()

from tests.reliability.stack import celery_app  # noqa: E402, F401  (publishing uses this app)
