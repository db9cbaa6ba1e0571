"""OpenAPI extensions: how our authentication and our error codes look on the wire."""

from typing import Any

from django.utils.module_loading import autodiscover_modules
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerFieldExtension

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
