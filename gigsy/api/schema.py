"""OpenAPI extensions: how our authentication, our pages and our errors look on the wire.

- `one_of("kind", {...})` documents a serializer as one shape per value of a field.
- `page_of(Output)` documents `gigsy.api.pagination.paginated`'s envelope and `PAGE_PARAMETERS`
  its query parameters: `@extend_schema(parameters=PAGE_PARAMETERS, responses={200:
  page_of(Output)})`; `bounded_list(Output, max_items=N)` a list that is never paginated
  because it has a fixed bound (an array with `maxItems`).
- `add_kernel_error_responses`, a postprocessing hook, adds to every operation the error
  responses the kernel's machinery can answer (authentication, throttles, parsing, limits,
  content negotiation, pagination, idempotency keys), so views declare only their own
  403/404/409.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.utils.module_loading import autodiscover_modules
from drf_spectacular import openapi
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers

from gigsy.errors import all_error_codes


class CachedJWTScheme(SimpleJWTScheme):
    target_class = "gigsy.api.authentication.CachedJWTAuthentication"
    name = "jwtAuth"


def error_code_choices() -> list[str]:
    """Every declared error code; contexts declare theirs in `apps/<ctx>/errors.py`."""
    autodiscover_modules("errors")
    return all_error_codes()


class ErrorCodeFieldExtension(OpenApiSerializerFieldExtension):
    """The envelope's `code`: every code declared by the kernel and the contexts, read when the
    schema is generated so a context's codes appear without the kernel naming it."""

    target_class = "gigsy.api.responses.ErrorCodeField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {"type": "string", "enum": error_code_choices()}


# --- one shape per kind ------------------------------------------------------------------------
_S = TypeVar("_S", bound=type[serializers.Serializer[Any]])


def one_of(
    field: str, variants: dict[str, type[serializers.Serializer[Any]]]
) -> Callable[[_S], _S]:
    """Class decorator: document a serializer as `oneOf` its `variants` with `field` as the
    discriminator (e.g. a question's `answer` shape depends on its `kind`). The class still
    renders and validates as written; each variant documents one value of `field`."""

    def decorate(cls: _S) -> _S:
        cls._schema_one_of = (field, variants)  # type: ignore[attr-defined]
        return cls

    return decorate


class OneOfSerializerExtension(OpenApiSerializerExtension):
    """Maps a serializer decorated with `one_of` to drf-spectacular's polymorphic schema."""

    target_class = "rest_framework.serializers.Serializer"
    match_subclasses = True

    @classmethod
    def _matches(cls, target: Any) -> bool:
        # Declared on the class itself: a subclass (an update input with every field
        # optional, say) is documented as written unless it is decorated too.
        cls_ = target if isinstance(target, type) else type(target)
        return super()._matches(target) and "_schema_one_of" in vars(cls_)

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field, variants = self.target._schema_one_of
        proxy = PolymorphicProxySerializer(
            component_name=type(self.target).__name__,
            serializers=variants,
            resource_type_field_name=field,
            many=False,
        )
        mapped: dict[str, Any] = PolymorphicProxySerializerExtension(proxy).map_serializer(
            auto_schema, direction
        )
        return mapped


# --- pages -------------------------------------------------------------------------------------
PAGE_PARAMETERS = [
    OpenApiParameter("page", int, description="1-based page number (past the last page: 404)"),
    OpenApiParameter("page_size", int, description="items per page (at most 100)"),
]
_PAGES: dict[type[serializers.Serializer[Any]], type[serializers.Serializer[Any]]] = {}


def page_of(item: type[serializers.Serializer[Any]]) -> type[serializers.Serializer[Any]]:
    """The documented shape of one page of `item`s: `{count, next, previous, results}`, as
    `gigsy.api.pagination.paginated` answers (component `Paginated<Item>List`)."""
    if item not in _PAGES:
        name = item.__name__.removesuffix("Serializer")
        _PAGES[item] = type(
            f"Paginated{name}List",
            (serializers.Serializer,),
            {
                "__module__": item.__module__,
                "__doc__": f"One page of {name} items.",
                "count": serializers.IntegerField(help_text="Items on every page together."),
                "next": serializers.URLField(allow_null=True, help_text="The next page's URL."),
                "previous": serializers.URLField(
                    allow_null=True, help_text="The previous page's URL."
                ),
                "results": item(many=True),
            },
        )
    return _PAGES[item]


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, naming an operation that answers a page `..._list` (as it names a
    view answering a bare array), not `..._retrieve`; documenting a list's fixed bound: a
    `many=True` serializer given `max_length` (`min_length`), as a response or as a field, is
    an array with `maxItems` (`minItems`); and documenting the body of a DELETE that declares
    one."""

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: Any,
        media_types: Any = None,
        direction: Any = "response",
    ) -> dict[str, Any]:
        response: dict[str, Any] = super()._get_response_for_code(
            serializer, status_code, media_types, direction
        )
        target = serializer.response if isinstance(serializer, OpenApiResponse) else serializer
        for media in response.get("content", {}).values():
            _bound_array(target, media.get("schema"))
        return response

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        _bound_array(field, schema)
        return schema

    def get_request_serializer(self) -> Any:
        # A DELETE reads a body only when its view declares one (`extend_schema(request=...)`,
        # which answers before this): none is guessed for the others.
        if self.method == "DELETE":
            return None
        return super().get_request_serializer()

    def _get_request_body(self, direction: str = "request") -> Any:
        # drf-spectacular documents bodies of POST, PUT and PATCH only; a DELETE that declares
        # one (DELETE /auth/me takes the password) is documented like a POST's.
        if self.method != "DELETE" or self.get_request_serializer() is None:
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"

    def get_operation_id(self) -> str:
        operation_id: str = super().get_operation_id()
        if self.method == "GET" and self._answers_a_page() and operation_id.endswith("_retrieve"):
            operation_id = operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _answers_a_page(self) -> bool:
        responses = self.get_response_serializers()
        if isinstance(responses, dict) and responses:
            responses = {str(code): r for code, r in responses.items()}[
                min(str(code) for code in responses)
            ]
        pages = set(_PAGES.values())
        return responses in pages or type(responses) in pages


def _bound_array(serializer: Any, schema: Any) -> None:
    """Add a ListSerializer's `max_length`/`min_length` to the array schema documenting it."""
    if not isinstance(serializer, serializers.ListSerializer) or not isinstance(schema, dict):
        return
    if schema.get("type") != "array":
        return
    # DRF keeps both on every ListSerializer (its stubs do not declare them).
    bounds = {"maxItems": getattr(serializer, "max_length", None)}
    bounds["minItems"] = getattr(serializer, "min_length", None)
    schema.update({key: value for key, value in bounds.items() if value is not None})


def bounded_list(
    item: type[serializers.Serializer[Any]], *, max_items: int, **kwargs: Any
) -> serializers.ListSerializer[Any]:
    """`item(many=True)` for a list with a fixed bound (documented with `maxItems`), as a
    response or a field: a list that can grow is a page (`page_of`)."""
    return serializers.ListSerializer(child=item(), max_length=max_items, **kwargs)


# --- errors every operation can answer because of the kernel ------------------------------------
ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
RETRY_AFTER = {
    "description": "Seconds to wait before retrying.",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}
# The request header of operations decorated with gigsy.idempotency's `@idempotent`, and the
# response header of the answers it replays.
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IN_USE_RETRY_AFTER = {
    **RETRY_AFTER,
    "description": "With `idempotency_key_in_use`: seconds to wait before retrying the same "
    "request with the same key.",
    "required": False,
}
REPLAYED = {
    "description": "Present on an answer replayed for a retried `Idempotency-Key`: the request "
    "did nothing this time; status, body and `Location` are the first request's.",
    "required": False,
    "schema": {"type": "string", "enum": ["true"]},
}
KERNEL_ERRORS = {
    400: "Invalid input: `validation_error` with `fields`, `malformed_request` (unreadable body, "
    "NUL in the URL), ...",
    401: "Not signed in, or the token is invalid, expired or revoked",
    404: "No such object, or not visible to the caller (for a list: a page past the last)",
    406: "The `Accept` header asks for a representation this operation does not offer",
    409: "Conflicts with the current state",
    411: "A chunked body: send it with a `Content-Length` header (`length_required`)",
    413: "Body too large (`payload_too_large`)",
    415: "Body sent with a content type this operation does not read (`unsupported_media_type`)",
    429: "Too many requests (`throttled`; `Retry-After` says when to retry)",
}
_METHODS = {"get", "put", "post", "patch", "delete"}


def _kernel_statuses(operation: dict[str, Any]) -> list[int]:
    """What the kernel's machinery can answer for this operation, whatever the view does:
    400 everywhere (a NUL in the URL is `malformed_request` before any view runs; query
    parameters and bodies are validated), content negotiation (406) and the throttles (429)
    everywhere, authentication (401) where a signed-in caller is required, pagination (404 past
    the last page) where there is a `page`, parsing and size limits (411, 413, 415) wherever a
    body is read, and 409 where an `Idempotency-Key` is taken (gigsy/idempotency)."""
    statuses = [400, 406, 429]
    security = operation.get("security")
    if security and {} not in security:
        statuses.append(401)
    if any(
        p.get("in") == "query" and p.get("name") == "page" for p in operation.get("parameters", [])
    ):
        statuses.append(404)
    if "requestBody" in operation:
        statuses += [411, 413, 415]
    if _takes_idempotency_key(operation):
        statuses.append(409)
    return statuses


def _document_idempotency(responses: dict[str, Any]) -> None:
    """An operation taking an `Idempotency-Key`: its 400 and 409 name the key's codes, the
    409 may carry `Retry-After`, and every answer a retry can replay (any below 500) may
    carry `Idempotent-Replayed`."""
    notes = {
        "400": "; a missing or malformed `Idempotency-Key` (`idempotency_key_missing`, "
        "`idempotency_key_invalid`)",
        "409": "; or the `Idempotency-Key` belongs to another request "
        "(`idempotency_key_reused`) or its first request is still running "
        "(`idempotency_key_in_use`, with `Retry-After`)",
    }
    for status, note in notes.items():
        description = responses[status].get("description") or ""
        if "idempotency_key" not in description:
            responses[status]["description"] = description + note
    responses["409"].setdefault("headers", {}).setdefault("Retry-After", dict(IN_USE_RETRY_AFTER))
    for status, response in responses.items():
        if status.isdigit() and int(status) < 500:
            response.setdefault("headers", {}).setdefault(REPLAYED_HEADER, dict(REPLAYED))


def _takes_idempotency_key(operation: dict[str, Any]) -> bool:
    return any(
        p.get("in") == "header" and p.get("name") == IDEMPOTENCY_KEY_HEADER
        for p in operation.get("parameters", [])
    )


def add_kernel_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

    Adds the error-envelope responses the kernel can answer for any operation (see
    `_kernel_statuses`); views declare only their own 403/404/409 and the 400 of their own
    checks. Every 429 documents `Retry-After`; an operation taking an `Idempotency-Key` gets
    its 409 (with `Retry-After`, sent by `idempotency_key_in_use` only) and `Idempotent-Replayed`
    on every answer below 500. Names no context."""
    if "ErrorEnvelope" not in result.get("components", {}).get("schemas", {}):
        return result
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _kernel_statuses(operation):
                responses.setdefault(
                    str(status),
                    {
                        "content": {"application/json": {"schema": dict(ENVELOPE_REF)}},
                        "description": KERNEL_ERRORS[status],
                    },
                )
            if "429" in responses:
                responses["429"].setdefault("headers", {})["Retry-After"] = dict(RETRY_AFTER)
            if _takes_idempotency_key(operation):
                _document_idempotency(responses)
            operation["responses"] = dict(sorted(responses.items()))
    return result
