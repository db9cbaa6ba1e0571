"""Gig API: browse, post, the gig page, edit, publish, cancel, my gigs (docs/decisions/0025).

Thin views: the access policy first (404 for what the caller may not see, 403 for what they
may see but not change), then the body, then the service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.public import Principal, user_id_of
from apps.gigs import catalog_cache, policies, selectors
from apps.gigs.api import gig_serializers as s
from apps.gigs.models import Gig, GigStatus
from apps.gigs.services import gigs as services
from gigsy.api.inputs import parse, parse_query
from gigsy.api.pagination import PageNumberPagination
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, page_of

JSON = JSONRenderer()


def _page(
    request: Request,
    view: APIView,
    gigs: QuerySet[Gig] | selectors.GigRows,
    render: Callable[[list[Gig]], list[dict[str, Any]]],
) -> Response:
    """One page of `gigs`, rendered together (`render` reads what the page needs in a fixed
    number of queries), in the `{count, next, previous, results}` envelope."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(gigs, request, view=view)
    return paginator.get_paginated_response(render(list(page or [])))


def _gig_page(gig: Gig, user: Principal) -> dict[str, Any]:
    count = (
        selectors.active_application_count(gig_id=gig.pk)
        if policies.manages_gig(gig=gig, user=user)
        else None
    )
    return s.gig_page(gig, application_count=count)


class GigListView(APIView):
    # Anyone may browse; posting needs a signed-in caller.
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=[s.BrowseQuery, *PAGE_PARAMETERS],
        responses={200: page_of(s.GigCardOutput), **error_responses(400, 404)},
        summary="Browse gigs (open by default), newest first; each with its client's name and "
        "rating",
        description="Filters narrow together. `skills` matches gigs asking for ANY of the "
        "listed skills; `budget_min`/`budget_max` compare the budget in minor units (add "
        "`currency` to compare like with like); `status` is one of the public statuses.",
    )
    def get(self, request: Request) -> HttpResponse:
        def build() -> bytes:
            # Validated here, on a miss only: a URL whose page is cached was valid when built.
            query = parse_query(s.BrowseQuery, request)
            gigs = selectors.browse_gigs(
                statuses=[query.get("status", GigStatus.OPEN)],
                skills=query.get("skills", ()),
                budget_min=query.get("budget_min"),
                budget_max=query.get("budget_max"),
                currency=query.get("currency"),
                pricing=query.get("pricing"),
                remote=query.get("remote"),
                client_id=query.get("client"),
                text=query.get("q"),
            )
            page = _page(request, self, selectors.GigRows(gigs), s.gig_cards)
            return JSON.render(page.data)

        # Keyed by the whole URL (the pagination links in the body echo it); the rendered
        # bytes are kept, so a hit costs one cache round trip and no rendering.
        body = catalog_cache.page(url=request.build_absolute_uri(), build=build)
        return HttpResponse(body, content_type=JSON.media_type)

    @extend_schema(
        request=s.GigCreateInput,
        responses={201: s.GigPageOutput, **error_responses(400, 401, 403)},
        parameters=[LOCATION],
        summary="Post a gig (verified clients): a draft, or open at once with `publish: true`",
    )
    def post(self, request: Request) -> Response:
        policies.require_poster(request.user)
        gig = services.create_gig(client=request.user, **parse(s.GigCreateInput, request))
        return created(
            request,
            _gig_page(gig, request.user),
            reverse("gigs-gig", kwargs={"gig_id": gig.pk}),
        )


class MyGigsView(APIView):
    @extend_schema(
        parameters=[s.MyGigsQuery, *PAGE_PARAMETERS],
        responses={200: page_of(s.MyGigOutput), **error_responses(400, 401, 404)},
        summary="My gigs, every status, newest first, each with its active applications counted",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(s.MyGigsQuery, request)
        gigs = selectors.gigs_of_client(
            client_id=user_id_of(request.user), status=query.get("status")
        )
        return _page(request, self, gigs, s.my_gigs)


class GigDetailView(APIView):
    # Anyone may read a public gig; changes need a signed-in caller.
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        responses={200: s.GigPageOutput, **error_responses(404)},
        summary="A gig page (a draft, cancelled or closed gig: its client and operators only)",
    )
    def get(self, request: Request, gig_id: int) -> Response:
        gig = policies.visible_gig(gig_id=gig_id, user=request.user)
        return Response(_gig_page(gig, request.user))

    @extend_schema(
        request=s.GigUpdateInput,
        responses={200: s.GigPageOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Edit a draft or open gig (its client); frozen once an application is accepted",
    )
    def patch(self, request: Request, gig_id: int) -> Response:
        policies.owned_gig(gig_id=gig_id, user=request.user)
        gig = services.update_gig(
            gig_id=gig_id, user=request.user, **parse(s.GigUpdateInput, request)
        )
        return Response(_gig_page(gig, request.user))


class GigPublishView(APIView):
    @extend_schema(
        request=None,
        responses={200: s.GigPageOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Open a draft for applications (its client)",
    )
    def post(self, request: Request, gig_id: int) -> Response:
        gig = services.publish_gig(gig_id=gig_id, user=request.user)
        return Response(_gig_page(gig, request.user))


class GigCancelView(APIView):
    @extend_schema(
        request=s.CancelInput,
        responses={200: s.GigPageOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Cancel a draft or open gig (its client); waiting applications are rejected",
    )
    def post(self, request: Request, gig_id: int) -> Response:
        policies.owned_gig(gig_id=gig_id, user=request.user)
        gig = services.cancel_gig(gig_id=gig_id, user=request.user, **parse(s.CancelInput, request))
        return Response(_gig_page(gig, request.user))
