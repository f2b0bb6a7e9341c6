"""The repository layer: QuerySet/Manager methods and model mixins, the django-model-utils way.

``from infra_core.db import BaseQuerySet, BaseManager, TimestampedModel, AuditedModel,
VersionedModel, SoftDeleteModel, atomic_with_retry``. Names load on first use, so importing the
package (e.g. for ``atomic_with_retry``) never needs the app registry.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra_core.db.audit import acting_as, current_actor
    from infra_core.db.conditional import check_if_match, etag_for, set_etag, update_if_match
    from infra_core.db.errors import (
        InvalidCursorError,
        InvalidOrderingError,
        InvalidParameterError,
        NestedRetryError,
        VersionConflictError,
    )
    from infra_core.db.mixins import (
        AuditedModel,
        SchemaVersionedModel,
        TimestampedModel,
        VersionedModel,
    )
    from infra_core.db.pagination import CursorPage, Page
    from infra_core.db.querysets import BaseManager, BaseQuerySet
    from infra_core.db.retry import atomic_with_retry
    from infra_core.db.softdelete import (
        AliveManager,
        SoftDeleteManager,
        SoftDeleteModel,
        SoftDeleteQuerySet,
    )

_LOCATIONS = {
    "BaseQuerySet": "infra_core.db.querysets",
    "BaseManager": "infra_core.db.querysets",
    "TimestampedModel": "infra_core.db.mixins",
    "AuditedModel": "infra_core.db.mixins",
    "VersionedModel": "infra_core.db.mixins",
    "SoftDeleteModel": "infra_core.db.softdelete",
    "SoftDeleteQuerySet": "infra_core.db.softdelete",
    "AliveManager": "infra_core.db.softdelete",
    "SoftDeleteManager": "infra_core.db.softdelete",
    "SchemaVersionedModel": "infra_core.db.mixins",
    "CursorPage": "infra_core.db.pagination",
    "Page": "infra_core.db.pagination",
    "atomic_with_retry": "infra_core.db.retry",
    "acting_as": "infra_core.db.audit",
    "current_actor": "infra_core.db.audit",
    "etag_for": "infra_core.db.conditional",
    "set_etag": "infra_core.db.conditional",
    "check_if_match": "infra_core.db.conditional",
    "update_if_match": "infra_core.db.conditional",
    "InvalidCursorError": "infra_core.db.errors",
    "InvalidOrderingError": "infra_core.db.errors",
    "InvalidParameterError": "infra_core.db.errors",
    "VersionConflictError": "infra_core.db.errors",
    "NestedRetryError": "infra_core.db.errors",
}

__all__ = [
    "AliveManager",
    "AuditedModel",
    "BaseManager",
    "BaseQuerySet",
    "CursorPage",
    "InvalidCursorError",
    "InvalidOrderingError",
    "InvalidParameterError",
    "NestedRetryError",
    "Page",
    "SchemaVersionedModel",
    "SoftDeleteManager",
    "SoftDeleteModel",
    "SoftDeleteQuerySet",
    "TimestampedModel",
    "VersionConflictError",
    "VersionedModel",
    "acting_as",
    "atomic_with_retry",
    "check_if_match",
    "current_actor",
    "etag_for",
    "set_etag",
    "update_if_match",
]


def __getattr__(name: str) -> Any:
    try:
        module = _LOCATIONS[name]
    except KeyError:
        raise AttributeError(f"module 'infra_core.db' has no attribute {name!r}") from None
    return getattr(importlib.import_module(module), name)
