"""Money API of a signed-in person: balances, the history of their ledger lines, payouts of
their available funds, and a client's receipts (docs/decisions/0032).

Everything here is the caller's own: there is no id of someone else's to ask for, and a
receipt id that is not the caller's is 404.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import public as accounts
from apps.gigs.api import money_serializers as s
from apps.gigs.ledger import balances, statements
from apps.gigs.services import money
from gigsy.api.inputs import parse
from gigsy.api.pagination import PageNumberPagination, paginated
from gigsy.api.representation import represent
from gigsy.api.responses import LOCATION, created, error_responses
from gigsy.api.schema import PAGE_PARAMETERS, bounded_list, page_of
from gigsy.errors import NotFoundError
from gigsy.idempotency.api import idempotent

NO_SUCH_RECEIPT = "No such receipt."
NO_SUCH_PAYOUT = "No such payout."


class BalancesView(APIView):
    @extend_schema(
        responses={
            200: bounded_list(s.BalanceOutput, max_items=len(settings.GIGS_CURRENCIES)),
            **error_responses(401),
        },
        summary="My pending and available funds, per currency I was ever paid in",
    )
    def get(self, request: Request) -> Response:
        found = balances.balances_of(accounts.user_id_of(request.user))
        return Response([represent(s.BalanceOutput, item) for item in found])


class TransactionsView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.TransactionOutput), **error_responses(400, 401, 404)},
        summary="My ledger lines, newest first, each explained (movement, balance, contract, "
        "milestone, the fee of a release)",
    )
    def get(self, request: Request) -> Response:
        lines = balances.history(accounts.user_id_of(request.user))
        return paginated(request, self, lines, s.TransactionOutput)


class PayoutsView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.PayoutOutput), **error_responses(400, 401, 404)},
        summary="My payouts, newest first",
    )
    def get(self, request: Request) -> Response:
        found = statements.payouts_of(accounts.user_id_of(request.user))
        return paginated(request, self, found, s.PayoutOutput)

    @extend_schema(
        request=s.PayoutInput,
        parameters=[LOCATION],
        responses={201: s.PayoutOutput, **error_responses(400, 401, 403, 409)},
        summary="Pay out available funds (a verified learner; Idempotency-Key required)",
        description="Takes `amount` from my available funds in `currency` and asks the payment "
        "provider to send it (sandbox: at once; Stripe: a Connect transfer to my connected "
        "account). The payout is `requested` until the provider confirms it (`paid`) or "
        "refuses it (`failed`: the amount is available again). 409 `insufficient_funds` "
        "(more than is available), `payouts_held` (an operator holds my payouts), "
        "`payout_destination_missing`, `payout_refused`; in each nothing moved.",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = parse(s.PayoutInput, request)
        payout = money.request_payout(
            user=request.user, amount=body["amount"], currency=body["currency"]
        )
        return created(
            request,
            represent(s.PayoutOutput, payout),
            reverse("gigs-payout", kwargs={"payout_id": payout.pk}),
        )


class PayoutView(APIView):
    @extend_schema(
        responses={200: s.PayoutOutput, **error_responses(401, 404)},
        summary="One of my payouts (404 for anyone else's)",
    )
    def get(self, request: Request, payout_id: int) -> Response:
        payout = statements.payout_of(accounts.user_id_of(request.user), payout_id)
        if payout is None:
            raise NotFoundError(NO_SUCH_PAYOUT)
        return Response(represent(s.PayoutOutput, payout))


class ReceiptsView(APIView):
    @extend_schema(
        parameters=PAGE_PARAMETERS,
        responses={200: page_of(s.ReceiptOutput), **error_responses(400, 401, 404)},
        summary="My receipts as a client: my payments into escrow and the refunds back, "
        "newest first",
    )
    def get(self, request: Request) -> Response:
        lines = statements.receipts_of(accounts.user_id_of(request.user))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(lines, request, view=self)
        return paginator.get_paginated_response(
            [represent(s.ReceiptOutput, s.receipt_body(line)) for line in page or []]
        )


class ReceiptView(APIView):
    @extend_schema(
        responses={200: s.ReceiptOutput, **error_responses(401, 404)},
        summary="One of my receipts (404 for anyone else's)",
    )
    def get(self, request: Request, receipt_id: int) -> Response:
        line = statements.receipt_of(accounts.user_id_of(request.user), receipt_id)
        if line is None:
            raise NotFoundError(NO_SUCH_RECEIPT)
        return Response(represent(s.ReceiptOutput, s.receipt_body(line)))
