"""The one skeleton of infra_core's middleware: sync and async, chosen once per process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest


class HybridMiddleware:
    """Serve sync and async stacks; subclasses write ``__call__`` and ``async __acall__``.

    ``__call__`` starts with ``if self.is_async: return self.__acall__(request)``: dispatching
    there rather than through one more method call keeps the per-request cost down.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:  # pragma: no cover - every subclass has one
        raise NotImplementedError
