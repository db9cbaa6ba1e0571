"""OpenAPI extensions: drf-spectacular learns how our authentication looks on the wire."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class CachedJWTScheme(SimpleJWTScheme):
    target_class = "gigsy.api.authentication.CachedJWTAuthentication"
    name = "jwtAuth"
