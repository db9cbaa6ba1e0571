"""Pagination defaults: numbered pages for catalogs, cursors for feeds and chat history.

Malformed paging parameters are the client's mistake and say so: `?page=abc`, `?page=0`,
`?page_size=-1` are a 400 `validation_error` naming the parameter (DRF answers 404 for the
first and silently ignores the others). A page past the last one stays a 404 `not_found`: the
page does not exist, and `count` told the client how many there are. A `page_size` above the
maximum gives the maximum (docs/decisions/0005).
"""

import re
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gigsy.api.representation import represent

_POSITIVE_INTEGER = re.compile(r"[1-9][0-9]{0,17}")


def check_positive_integers(request: Request, *names: str) -> None:
    """400 `validation_error` naming every given query parameter that is present but not a
    positive integer."""
    problems = {
        name: ["Must be a positive integer (1, 2, ...)."]
        for name in names
        if name in request.query_params
        and not _POSITIVE_INTEGER.fullmatch(request.query_params[name])
    }
    if problems:
        raise ValidationError(problems)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # `page` is a number, as the schema says
    invalid_page_message = "Page {page_number} does not exist ({message})."

    def paginate_queryset(
        self, queryset: Any, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        check_positive_integers(request, self.page_query_param, self.page_size_query_param)
        return super().paginate_queryset(queryset, request, view)


class CursorPagination(pagination.CursorPagination):
    """Stable under inserts; use for feeds and chat history (newest first)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-created_at"

    def paginate_queryset(
        self, queryset: Any, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        check_positive_integers(request, self.page_size_query_param)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:  # DRF's answer to a cursor it cannot read
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None


def paginated(
    request: Request,
    view: APIView,
    items: Sequence[Any] | QuerySet[Any],
    output: type[serializers.Serializer[Any]],
) -> Response:
    """One page of `items` rendered with `output`, in the `{count, next, previous, results}`
    envelope."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(items, request, view=view)
    return paginator.get_paginated_response([represent(output, item) for item in page or []])
