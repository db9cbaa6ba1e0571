"""Escrow API: funding a milestone and releasing part of its escrow (services/escrow.py).

Both move money and require an Idempotency-Key (docs/decisions/0030). Funding answers what the
payer's side needs; the milestone is funded (and its work active) only when the provider's
signed confirmation reaches the webhook intake. Approval releases the rest (api/contracts.py),
an accepted cancellation refunds it.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.gigs.api import escrow_serializers as s
from apps.gigs.api.contract_serializers import MilestoneOutput
from apps.gigs.api.contracts import step_response
from apps.gigs.errors import GigsError
from apps.gigs.payments.provider import ProviderError
from apps.gigs.services import escrow
from gigsy.api.inputs import parse
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_response, error_responses
from gigsy.idempotency.api import idempotent


class ProviderUnavailable(APIException):
    """The provider could not start the payment: a 503, so the idempotency key is forgotten and
    the same request may be retried."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = str(GigsError.PAYMENT_PROVIDER_UNAVAILABLE)
    default_detail = "The payment provider is unavailable; nothing was charged. Retry later."


class FundView(APIView):
    @extend_schema(
        request=None,
        responses={
            201: OpenApiResponse(s.FundOutput, description="A new payment to complete."),
            200: OpenApiResponse(
                s.FundOutput, description="The payment being completed, answered again."
            ),
            **error_responses(400, 401, 403, 404, 409),
            503: error_response(503),
        },
        parameters=[LOCATION],
        summary="Fund a pending milestone (the client, verified; Idempotency-Key required)",
        description="Asks the payment provider for a payment of the milestone's amount and "
        "answers what completes it: Stripe's `client_secret` (Stripe.js) or the sandbox's "
        "`confirm_url`. The milestone's money is `funding` until the provider's signed "
        "confirmation arrives; then it is `funded` and the work `active` (this replaced "
        "`start`). A failed payment makes it `unfunded` again: fund again (a new attempt). "
        "While a payment is being completed the same payment is answered (200). 409 "
        "`invalid_transition` when the work is not pending or the money not unfunded; 503 "
        "`payment_provider_unavailable` when the provider cannot be reached (nothing charged).",
    )
    @idempotent
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        try:
            funding = escrow.fund_milestone(
                contract_id=contract_id, milestone_id=milestone_id, user=request.user
            )
        except ProviderError as exc:
            raise ProviderUnavailable() from exc
        body: dict[str, Any] = represent(
            s.FundOutput,
            {
                "contract_id": funding.contract.pk,
                "milestone_id": funding.milestone.pk,
                "money_status": funding.milestone.money_status,
                "provider": funding.payment.provider,
                "payment_reference": funding.payment.reference,
                "amount": funding.payment.amount,
                "currency": funding.payment.currency,
                "client_secret": funding.session.client_secret,
                "confirm_url": funding.session.confirm_url,
            },
        )
        if not funding.created:
            return Response(body)
        return created(
            request,
            body,
            reverse(
                "gigs-milestone",
                kwargs={"contract_id": funding.contract.pk, "milestone_id": funding.milestone.pk},
            ),
        )


class ReleaseView(APIView):
    @extend_schema(
        request=s.ReleaseInput,
        responses={200: MilestoneOutput, **error_responses(400, 401, 403, 404, 409)},
        summary="Release part of a funded milestone's escrow to the freelancer (the client; "
        "Idempotency-Key required)",
        description="0 < amount < held: `partially_released`; amount == held: `released` (the "
        "milestone is finished). The platform's fee (GIGS_PLATFORM_FEE_PERCENT, half-up) is "
        "taken from each release. 400 `invalid_amount` for zero, negative or more than held "
        "(`details.held`); 409 `invalid_transition` when nothing is held (unfunded, funding, "
        "released, refunded, disputed).",
    )
    @idempotent
    def post(self, request: Request, contract_id: int, milestone_id: int) -> Response:
        body = parse(s.ReleaseInput, request)
        milestone = escrow.release_part(
            contract_id=contract_id,
            milestone_id=milestone_id,
            user=request.user,
            amount=body["amount"],
        )
        return step_response(request, milestone)
