"""Errors: the AppError hierarchy and the one JSON error envelope."""

from __future__ import annotations

from infra_core.errors.envelope import error_body, error_response, problem_body
from infra_core.errors.exceptions import (
    AppError,
    AuthenticationError,
    AuthorizationError,
    BadRequestError,
    CacheUnavailableError,
    ConflictError,
    DatabaseUnavailableError,
    DependencyError,
    ExternalServiceError,
    FeatureNotAvailableError,
    JobQueueError,
    NotFoundError,
    PlanLimitError,
    PreconditionFailedError,
    PreconditionRequiredError,
    ProgrammingError,
    RateLimitedError,
    StorageError,
    ValidationError,
)

__all__ = [
    "AppError",
    "AuthenticationError",
    "AuthorizationError",
    "BadRequestError",
    "CacheUnavailableError",
    "ConflictError",
    "DatabaseUnavailableError",
    "DependencyError",
    "ExternalServiceError",
    "FeatureNotAvailableError",
    "JobQueueError",
    "NotFoundError",
    "PlanLimitError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "ProgrammingError",
    "RateLimitedError",
    "StorageError",
    "ValidationError",
    "error_body",
    "error_response",
    "problem_body",
]
