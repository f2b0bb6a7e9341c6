"""An exception reporter filter that masks what the log redaction masks (ADMINS mail, 500 pages).

Django's ``SafeExceptionReporterFilter`` hides secret-named *settings*, but POST fields only in
views decorated with ``@sensitive_post_parameters``: a 500 after a login form mails the password
to ``ADMINS``. Set ``DEFAULT_EXCEPTION_REPORTER_FILTER`` to this class to mask every POST field
and frame variable whose name the log redaction treats as secret (``LOG_REDACT_KEYS`` included).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict
from django.views.debug import SafeExceptionReporterFilter

from infra_core.logging.conf import LOG_REDACT_KEYS
from infra_core.logging.filters import is_sensitive


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Mask secret-named POST fields and frame variables in error reports."""

    def get_post_parameters(self, request: HttpRequest | None) -> Any:
        params = super().get_post_parameters(request)
        if request is None or not isinstance(params, QueryDict | dict):
            return params
        extra = LOG_REDACT_KEYS.value  # already lowered
        cleansed = params.copy()
        for name in list(cleansed.keys()):
            if is_sensitive(str(name), extra):
                cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        extra = LOG_REDACT_KEYS.value  # already lowered
        return [
            (name, self.cleansed_substitute if is_sensitive(str(name), extra) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
