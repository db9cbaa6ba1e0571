"""`@idempotent` on a DRF view method: the operation requires an `Idempotency-Key` header and
runs at most once per key and caller; retries get the first answer (docs/decisions/0030).

    class FundMilestone(APIView):
        @extend_schema(request=FundInput, responses={201: FundOutput, **error_responses(409)})
        @idempotent
        def post(self, request: Request, pk: int) -> Response: ...

- no header: 400 `idempotency_key_missing`; not 1..255 printable ASCII: 400
  `idempotency_key_invalid`;
- first request: the view runs in one transaction with the key's record; a 2xx or 4xx answer
  is stored with it, a 5xx or an exception rolls the view's writes back and forgets the key;
- a retry with the same method, path and body: the stored status, body and `Location`/`ETag`,
  with `Idempotent-Replayed: true`; the view does not run;
- the same key with another method, path or body: 409 `idempotency_key_reused`;
- while the first request runs: 409 `idempotency_key_in_use` with `Retry-After: 1`.

Keys are per signed-in user (two users may send the same key) and expire after
IDEMPOTENCY_KEY_HOURS. The body must be JSON (its fingerprint is the sha256 of its canonical
form). The schema gets the required header from here; gigsy/api/schema.py's kernel hook adds
the 409 with `Retry-After` and `Idempotent-Replayed` on every answer below 500.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gigsy.api.errors import envelope
from gigsy.api.schema import IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER
from gigsy.errors import ApplicationError, ErrorCode
from gigsy.idempotency.keys import (
    KEY_PATTERN,
    MAX_KEY_LENGTH,
    as_json,
    fingerprint,
    is_valid_key,
    user_scope,
)
from gigsy.idempotency.store import Attempt, KeyInUseError, Ran, Replay, Stored, execute

# Headers of an answer a client acts on, kept and replayed with it.
STORED_HEADERS = ("Location", "ETag")

KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=True,
    description="A key the client generates per action (a UUID) and sends again with every "
    "retry of that action: the action runs once, retries get its first answer "
    "(`Idempotent-Replayed: true`). Another body under the same key is 409 "
    "`idempotency_key_reused`; a retry while the first request runs is 409 "
    "`idempotency_key_in_use` with `Retry-After`. Keys are per account and expire after "
    "24 hours (IDEMPOTENCY_KEY_HOURS).",
)
_V = TypeVar("_V", bound=APIView)
_P = ParamSpec("_P")
_Method = Callable[Concatenate[_V, Request, _P], Response]


def idempotent(method: _Method[_V, _P]) -> _Method[_V, _P]:
    """Decorate a DRF view method (post, put, patch, delete): see the module doc."""

    @functools.wraps(method)
    def wrapper(view: _V, request: Request, *args: _P.args, **kwargs: _P.kwargs) -> Response:
        attempt = attempt_of(request)

        def run() -> Ran[Response]:
            try:
                response = method(view, request, *args, **kwargs)
            except Exception as exc:
                # The envelope the view would have answered; a server error re-raises here.
                response = view.handle_exception(exc)
            if response.status_code >= 500:
                return Ran(stored=None, result=response)
            return Ran(stored=stored_of(response), result=response)

        try:
            outcome = execute(attempt, run)
        except KeyInUseError as exc:
            return Response(
                envelope(exc.code, exc.message),
                status=409,
                headers={"Retry-After": str(exc.retry_after)},
            )
        if isinstance(outcome, Replay):
            return replayed(outcome)
        return outcome

    # The required header in the schema; stacks with the view's own extend_schema either way.
    return cast(_Method[_V, _P], extend_schema(parameters=[KEY_PARAMETER])(wrapper))


def attempt_of(request: Request) -> Attempt:
    """Who sent which request under which key; refuses a missing or malformed key."""
    key = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    if key is None:
        raise ApplicationError(
            f"This operation needs an {IDEMPOTENCY_KEY_HEADER} header: a key you generate per "
            "action and send again with each retry.",
            code=ErrorCode.IDEMPOTENCY_KEY_MISSING,
        )
    if not is_valid_key(key):
        raise ApplicationError(
            f"The {IDEMPOTENCY_KEY_HEADER} header must be 1 to {MAX_KEY_LENGTH} printable "
            "ASCII characters.",
            code=ErrorCode.IDEMPOTENCY_KEY_INVALID,
        )
    user = request.user
    if not user.is_authenticated:
        # Keys are per account: an anonymous caller's key would be anybody's.
        raise NotAuthenticated()
    match = request.resolver_match
    return Attempt(
        scope=user_scope(user.pk),
        key=key,
        method=request.method or "",
        path=request.path,
        route=getattr(match, "route", None) or request.path,
        fingerprint=fingerprint(_body(request)),
    )


def _body(request: Request) -> Any:
    data = request.data  # parsed here: a malformed body is a 400 before anything is stored
    if isinstance(data, QueryDict):  # no body, or a form: plain lists, comparable
        return {key: data.getlist(key) for key in sorted(data)}
    return data


def stored_of(response: Response) -> Stored:
    if not isinstance(response, Response):
        raise TypeError("@idempotent views answer DRF Responses (JSON), not other responses")
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    return Stored(status=response.status_code, body=as_json(response.data), headers=headers)


def replayed(replay: Replay) -> Response:
    stored = replay.stored
    headers = {**stored.headers, REPLAYED_HEADER: "true"}
    return Response(stored.body, status=stored.status, headers=headers)


__all__ = ["KEY_PARAMETER", "REPLAYED_HEADER", "attempt_of", "idempotent"]
