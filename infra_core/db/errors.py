"""The repository's errors, all in the ``infra_core.errors`` hierarchy (one envelope)."""

from __future__ import annotations

from typing import Any

from django.db.transaction import TransactionManagementError

from infra_core.errors import ConflictError, ValidationError


class InvalidParameterError(ValidationError):
    """A pagination parameter is unusable: a 400 whose ``details`` name the parameter."""

    def __init__(self, parameter: str, reason: str, **details: Any) -> None:
        self.parameter = parameter
        self.reason = reason
        super().__init__(
            f"The {parameter!r} parameter is invalid: {reason}",
            details={"parameter": parameter, "reason": reason, **details},
        )

    def renamed(self, parameter: str) -> InvalidParameterError:
        """Return the same error naming ``parameter`` (an adapter's own query parameter)."""
        extra = {k: v for k, v in dict(self.details).items() if k not in ("parameter", "reason")}
        return type(self)(parameter, self.reason, **extra)


class InvalidCursorError(InvalidParameterError):
    """A cursor that is tampered with, expired, foreign or for the other direction."""

    default_code = "invalid_cursor"


class InvalidOrderingError(InvalidParameterError):
    """An ordering that cannot be paginated (unknown, nullable or relation-spanning field)."""

    default_code = "invalid_ordering"


class VersionConflictError(ConflictError):
    """An optimistic-lock write lost: the row's version is not the one the writer read."""

    default_code = "version_conflict"
    default_message = "The resource was changed by someone else; reload it and try again."

    def __init__(self, *, current_version: int | None, expected_version: int | None) -> None:
        self.current_version = current_version
        self.expected_version = expected_version
        super().__init__(
            details={"current_version": current_version, "expected_version": expected_version}
        )


class NestedRetryError(TransactionManagementError):
    """atomic_with_retry was entered inside an atomic block, where a retry cannot help."""
