"""Who is acting: the actor audit fields record, read from the one context (``user_id``).

A request has the user (or a loader of it) bound by ``AccessLogMiddleware``; a Celery task the
publishing user (``infra_core.tasks.receivers`` carries it across the queue); a management
command or script declares its actor with :func:`acting_as`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from infra_core import context

#: Longest actor stored in ``created_by`` / ``updated_by`` (longer ones are refused, not cut).
MAX_ACTOR_LENGTH = 150


def current_actor() -> str:
    """Return the actor of the current context ("" when nobody is known).

    In a request whose user nothing has loaded yet, this loads it (a write is under way anyway).
    """
    return context.resolve_user_id() or ""


@contextmanager
def acting_as(actor: object) -> Iterator[str]:
    """Bind ``actor`` (a user, a user pk or a label like ``"cmd:backfill"``) for the block."""
    pk = getattr(actor, "pk", actor)
    text = str(pk) if pk is not None else ""
    if not text or len(text) > MAX_ACTOR_LENGTH:
        raise ValueError(f"actor {text!r} must be 1-{MAX_ACTOR_LENGTH} characters")
    token = context.user_id_var.set(text)
    try:
        yield text
    finally:
        context.user_id_var.reset(token)
