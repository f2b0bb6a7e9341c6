from __future__ import annotations

import pytest

from infra_core import errors


def test_app_error_defaults_come_from_subclass() -> None:
    exc = errors.ConflictError()
    assert (exc.status, exc.code, exc.retryable, exc.is_client_error) == (
        409,
        "conflict",
        False,
        True,
    )


def test_app_error_overrides_win_over_defaults() -> None:
    exc = errors.NotFoundError("No such invoice.", code="invoice_not_found", details={"id": 3})
    assert (exc.message, exc.code, exc.details) == (
        "No such invoice.",
        "invoice_not_found",
        {"id": 3},
    )


def test_app_error_non_error_status_is_refused_with_value() -> None:
    with pytest.raises(ValueError, match="status=200"):
        errors.AppError(status=200)


def test_dependency_errors_are_retryable_server_errors() -> None:
    for cls in (
        errors.ExternalServiceError,
        errors.DatabaseUnavailableError,
        errors.CacheUnavailableError,
        errors.JobQueueError,
        errors.StorageError,
    ):
        exc = cls()
        assert exc.retryable and not exc.is_client_error, cls


def test_programming_error_is_not_operational() -> None:
    assert errors.ProgrammingError.operational is False
    assert errors.NotFoundError.operational is True


def test_rate_limited_retry_after_becomes_header() -> None:
    assert errors.RateLimitedError(retry_after=7).headers == {"Retry-After": "7"}


def test_feature_error_is_an_authorization_error() -> None:
    assert isinstance(errors.FeatureNotAvailableError(), errors.AuthorizationError)
