"""The AppError hierarchy: domain errors with a code, an HTTP status and a client-safe message.

An ``AppError`` is an *operational* error: expected, described, safe to show. Its ``message`` goes
to the client as is, so never put internal detail in it (use ``details`` for structured,
client-safe data, and logging for the rest). Any other exception is a *programming* error: the
client sees a generic ``internal_error`` and Sentry gets the traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class AppError(Exception):
    """Base of infra_core's domain errors; subclass it and set the ``default_*`` attributes."""

    default_status: int = 500
    default_code: str = "internal_error"
    default_message: str = "Internal server error."
    default_retryable: bool = False
    operational: bool = True

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Mapping[str, Any] | list[Any] | None = None,
        status: int | None = None,
        retryable: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.code = code if code is not None else self.default_code
        self.status = status if status is not None else self.default_status
        self.details: Mapping[str, Any] | list[Any] = details if details is not None else {}
        self.retryable = retryable if retryable is not None else self.default_retryable
        self.headers: dict[str, str] = dict(headers or {})
        if not 400 <= self.status <= 599:
            raise ValueError(f"{type(self).__name__}(status={self.status!r}) is not a 4xx/5xx.")
        super().__init__(self.message)

    @property
    def is_client_error(self) -> bool:
        """Return True for 4xx errors (the client's fault; never reported to Sentry)."""
        return self.status < 500

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, status={self.status})"


# --- 4xx: the client's fault -----------------------------------------------------------------
class BadRequestError(AppError):
    default_status = 400
    default_code = "bad_request"
    default_message = "The request is malformed."


class ValidationError(BadRequestError):
    default_code = "validation_error"
    default_message = "The request data is invalid."


class AuthenticationError(AppError):
    default_status = 401
    default_code = "authentication_required"
    default_message = "Authentication is required."


class PlanLimitError(AppError):
    default_status = 402
    default_code = "plan_limit_exceeded"
    default_message = "Your plan's limit for this action is reached."


class AuthorizationError(AppError):
    default_status = 403
    default_code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class FeatureNotAvailableError(AuthorizationError):
    default_code = "feature_not_available"
    default_message = "This feature is not available on your plan."


class NotFoundError(AppError):
    default_status = 404
    default_code = "not_found"
    default_message = "The requested resource was not found."


class ConflictError(AppError):
    default_status = 409
    default_code = "conflict"
    default_message = "The request conflicts with the current state of the resource."


class PreconditionFailedError(AppError):
    """A conditional request's precondition (``If-Match``) does not hold: 412."""

    default_status = 412
    default_code = "precondition_failed"
    default_message = "The resource has changed since you last read it."


class PreconditionRequiredError(AppError):
    """The request must be conditional (send ``If-Match``) and is not: 428."""

    default_status = 428
    default_code = "precondition_required"
    default_message = "This request must be conditional: send an If-Match header."


class RateLimitedError(AppError):
    default_status = 429
    default_code = "rate_limited"
    default_message = "Too many requests."
    default_retryable = True

    def __init__(
        self, message: str | None = None, *, retry_after: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers.setdefault("Retry-After", str(max(0, int(retry_after))))


# --- 5xx: our side or a dependency ------------------------------------------------------------
class DependencyError(AppError):
    """A backing service failed; usually worth retrying."""

    default_status = 503
    default_code = "service_unavailable"
    default_message = "A backing service is unavailable; try again later."
    default_retryable = True


class ExternalServiceError(DependencyError):
    default_status = 502
    default_code = "external_service_error"
    default_message = "An external service failed to respond correctly."


class DatabaseUnavailableError(DependencyError):
    default_code = "database_unavailable"
    default_message = "The database is unavailable; try again later."


class CacheUnavailableError(DependencyError):
    default_code = "cache_unavailable"
    default_message = "The cache is unavailable; try again later."


class JobQueueError(DependencyError):
    default_code = "job_queue_unavailable"
    default_message = "The job queue is unavailable; try again later."


class StorageError(DependencyError):
    default_code = "storage_unavailable"
    default_message = "File storage is unavailable; try again later."


class ProgrammingError(AppError):
    """A bug we detected ourselves: a 500 with the generic message, always reported."""

    operational = False
