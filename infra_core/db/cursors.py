"""Opaque pagination cursors: signed (``django.core.signing``), expiring, bound to an ordering.

The salt names the model and the ordering, so a cursor made for another list, another ordering
or another project (another ``SECRET_KEY``) fails its signature. Every way a cursor can be bad is
one :class:`~infra_core.db.errors.InvalidCursorError`: a 400 that names the parameter.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Literal

from django.core import signing
from django.db import models

from infra_core.db.conf import CURSOR_MAX_AGE
from infra_core.db.errors import InvalidCursorError
from infra_core.db.ordering import Ordering, dump_value, load_value

Direction = Literal["after", "before"]
# Signed tokens of any size are verified before use; this bounds the work done for garbage.
MAX_CURSOR_CHARS = 4096


@dataclass(frozen=True, slots=True)
class Position:
    """A decoded cursor: the boundary row's ordering values and the way to go from it."""

    direction: Direction
    values: tuple[Any, ...]
    inclusive: bool = False


def _salt(model: type[models.Model], ordering: Ordering) -> str:
    return f"infra_core.db.cursor:{model._meta.label_lower}:{ordering.signature}"


def _max_age() -> datetime.timedelta | None:
    seconds = CURSOR_MAX_AGE.value
    return None if seconds is None else datetime.timedelta(seconds=seconds)


def encode(model: type[models.Model], ordering: Ordering, position: Position) -> str:
    """Return the opaque, signed token of ``position``."""
    payload: dict[str, Any] = {
        "d": "a" if position.direction == "after" else "b",
        "v": [dump_value(v) for v in position.values],
    }
    if position.inclusive:
        payload["i"] = 1
    return signing.dumps(payload, salt=_salt(model, ordering), compress=True)


def decode(
    model: type[models.Model],
    ordering: Ordering,
    token: Any,
    *,
    parameter: str,
    direction: Direction | None,
) -> Position:
    """Return the position of ``token``; raise InvalidCursorError naming ``parameter``."""
    if not isinstance(token, str) or not token or len(token) > MAX_CURSOR_CHARS:
        raise InvalidCursorError(parameter, "not a cursor")
    try:
        payload = signing.loads(token, salt=_salt(model, ordering), max_age=_max_age())
    except signing.SignatureExpired:
        raise InvalidCursorError(parameter, "the cursor has expired") from None
    except Exception:  # BadSignature, or garbage the decoder chokes on: never a 500
        raise InvalidCursorError(
            parameter, "not a cursor of this list and ordering (tampered with or foreign)"
        ) from None
    return _position(ordering, payload, parameter=parameter, direction=direction)


def _position(
    ordering: Ordering, payload: Any, *, parameter: str, direction: Direction | None
) -> Position:
    # Signed by us, so malformed only after a code change; still a 400, never a 500.
    try:
        found: Direction = "after" if payload["d"] == "a" else "before"
        raw = payload["v"]
        if not isinstance(raw, list) or len(raw) != len(ordering.keys):
            raise ValueError("wrong number of values")
        values = tuple(load_value(k.field, v) for k, v in zip(ordering.keys, raw, strict=True))
        inclusive = bool(payload.get("i", 0))
    except Exception:
        raise InvalidCursorError(parameter, "not a cursor of this list and ordering") from None
    if direction is not None and found != direction:
        raise InvalidCursorError(parameter, f"a {found!r} cursor was given as {direction!r}")
    return Position(found, values, inclusive)
