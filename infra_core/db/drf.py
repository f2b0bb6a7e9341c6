"""Django REST framework adapter: a pagination class on the same signed keyset cursors.

``pagination_class = KeysetPagination`` (subclass it to set ``ordering`` and ``page_size``).
Conflict (409), precondition (412/428) and cursor (400) errors are ``AppError``s, so
``infra_core.errors.drf.exception_handler`` answers them as the one envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from infra_core.db.errors import InvalidParameterError
from infra_core.db.pagination import CursorPage, paginate_cursor


class KeysetPagination(BasePagination):
    """Keyset pages in ``ordering`` (the pk appended); ``?cursor=`` moves either way."""

    ordering: str | Sequence[str] = ("-pk",)
    page_size = 20
    cursor_query_param = "cursor"
    # None: clients cannot choose the size; a name (e.g. "limit"): they can, up to DB_PAGE_MAX_SIZE.
    page_size_query_param: str | None = None

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> str | Sequence[str]:
        """Return the ordering of this list (override to let a view or request choose)."""
        return self.ordering

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any]:
        """Return this page's rows; a bad cursor or size is a 400 naming the query parameter."""
        self.request = request
        limit: Any = self.page_size
        if self.page_size_query_param and self.page_size_query_param in request.query_params:
            limit = request.query_params[self.page_size_query_param]
        try:
            self.page: CursorPage[Any] = paginate_cursor(
                queryset,
                order_by=self.get_ordering(request, queryset, view),
                cursor=request.query_params.get(self.cursor_query_param),
                limit=limit,
            )
        except InvalidParameterError as exc:
            names = {"cursor": self.cursor_query_param, "limit": self.page_size_query_param}
            raise exc.renamed(names.get(exc.parameter) or exc.parameter) from None
        return list(self.page.items)

    def _link(self, token: str | None) -> str | None:
        if token is None:
            return None
        return str(replace_query_param(self.request.build_absolute_uri(),
                                       self.cursor_query_param, token))  # fmt: skip

    def get_next_link(self) -> str | None:
        """Return the URL of the next page, or None."""
        return self._link(self.page.next_cursor if self.page.has_next else None)

    def get_previous_link(self) -> str | None:
        """Return the URL of the previous page, or None (the first page's is the bare URL)."""
        if not self.page.has_prev:
            return None
        if self.page.prev_cursor is None:
            return str(remove_query_param(self.request.build_absolute_uri(),
                                          self.cursor_query_param))  # fmt: skip
        return self._link(self.page.prev_cursor)

    def get_paginated_response(self, data: Any) -> Response:
        """Return ``{"next", "previous", "results"}`` (DRF's cursor-pagination shape)."""
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Return the OpenAPI schema of the paginated response."""
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }
