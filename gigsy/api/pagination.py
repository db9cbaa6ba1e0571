"""Pagination defaults: numbered pages for catalogs, cursors for feeds and chat history."""

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from rest_framework import pagination, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gigsy.api.representation import represent


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    """Stable under inserts; use for feeds and chat history (newest first)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-created_at"


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
