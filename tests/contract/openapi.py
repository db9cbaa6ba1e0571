"""Check one HTTP response against the operation the OpenAPI 3.0 schema documents for it.

The schema is drf-spectacular's (OpenAPI 3.0.3). Its component schemas are turned into one JSON
Schema (draft 2020-12) document, so `jsonschema` validates bodies with its own `$ref` handling:

- `nullable: true` becomes `anyOf: [<the schema>, {"type": "null"}]`;
- `oneOf` with a `discriminator` becomes one `if kind == X then <X's schema>` per mapping entry
  plus an enum of the mapped values (a clearer error than "is valid under none/several");
- an object with `properties` and no `additionalProperties` is closed: a response may not carry
  a key its documentation does not name (a serializer that grew a field without its schema is
  drift too);
- 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become 2020-12's numbers;
- `format: date-time`, `date`, `uuid`, `uri`, `email` are checked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = "urn:gigsy:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Headers a client acts on: sent means documented, documented-as-required means sent.
HEADERS_THAT_MATTER = ("Location", "Retry-After", "ETag", "Content-Disposition")
JSON_TYPES = re.compile(r"^application/(.+\+)?json$")
# Schema keywords whose value is a schema / a list of schemas / a map of name -> schema.
_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "$defs")
_DROP = ("nullable", "discriminator", "example", "xml", "externalDocs", "readOnly", "writeOnly")


def convert(node: Any) -> Any:
    """One OpenAPI 3.0 schema object as a JSON Schema 2020-12 schema (see the module doc)."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        out: dict[str, Any] = {"$ref": BASE + ref if ref.startswith("#") else ref}
        return _nullable(out) if node.get("nullable") else out
    out = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key in _ONE:
            out[key] = convert(value)
        elif key in _MANY:
            out[key] = [convert(v) for v in value]
        elif key in _MAP:
            out[key] = {name: convert(v) for name, v in value.items()}
        else:
            out[key] = value
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if out.get(bound) is True:
            out[bound] = out.pop(limit)
        elif out.get(bound) is False:
            del out[bound]
    discriminator = node.get("discriminator")
    if discriminator and "oneOf" in out:
        out = _discriminated(out, discriminator)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return _nullable(out) if node.get("nullable") else out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _discriminated(schema: dict[str, Any], discriminator: dict[str, Any]) -> dict[str, Any]:
    prop = discriminator["propertyName"]
    mapping = discriminator.get("mapping") or {}
    if not mapping:  # no mapping: the component names are the values
        mapping = {b["$ref"].rsplit("/", 1)[-1]: b["$ref"] for b in schema["oneOf"]}
    rest = {k: v for k, v in schema.items() if k != "oneOf"}
    return {
        **rest,
        "type": "object",
        "required": [prop],
        "properties": {prop: {"enum": list(mapping)}},
        "additionalProperties": True,  # each branch closes itself
        "allOf": [
            {
                "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                "then": {"$ref": BASE + ref if ref.startswith("#") else ref},
            }
            for value, ref in mapping.items()
        ],
    }


_formats = FormatChecker()


@_formats.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError("no time part")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return True


@_formats.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.scheme in ("urn", "mailto", "data")):
        raise ValueError("not an absolute URI")
    return True


@dataclass
class Operation:
    method: str
    template: str
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        op_id = self.spec.get("operationId")
        return f"{self.method.upper()} {self.template}" + (f" ({op_id})" if op_id else "")


@dataclass
class Contract:
    """A generated schema, ready to check responses against."""

    schema: dict[str, Any]
    _routes: list[tuple[re.Pattern[str], int, str]] = field(default_factory=list)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        components = {
            name: convert(s)
            for name, s in self.schema.get("components", {}).get("schemas", {}).items()
        }
        document = {"components": {"schemas": components}}
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(BASE, resource)
        for template in self.schema.get("paths", {}):
            pattern = re.escape(template)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            # Literal segments win over parameters: /courses/mine before /courses/{slug}.
            self._routes.append((re.compile(f"^{pattern}$"), template.count("{"), template))
        self._routes.sort(key=lambda r: r[1])

    def path_of(self, path: str) -> str | None:
        for pattern, _, template in self._routes:
            if pattern.match(path):
                return template
        return None

    def operation(self, method: str, path: str) -> Operation | None:
        template = self.path_of(path)
        if template is None:
            return None
        spec = self.schema["paths"][template].get(method.lower())
        return Operation(method.lower(), template, spec) if spec is not None else None

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            self._validators[key] = Draft202012Validator(
                convert(schema), registry=self._registry, format_checker=_formats
            )
        return self._validators[key]

    def envelope(self) -> dict[str, Any]:
        return {"$ref": "#/components/schemas/ErrorEnvelope"}


def body_errors(validator: Draft202012Validator, body: Any, limit: int = 5) -> list[str]:
    errors = sorted(validator.iter_errors(body), key=lambda e: (len(e.absolute_path), e.json_path))
    return [f"at {_deepest(e).json_path}: {_short(_deepest(e).message)}" for e in errors[:limit]]


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 5] + " ...)"


def _deepest(error: Any) -> Any:
    """For anyOf/oneOf/allOf failures, the branch error that got furthest into the body."""
    while error.context:
        best = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.relative_path)))
        if len(best.absolute_path) <= len(error.absolute_path) and error.validator != "allOf":
            break
        error = best
    return error


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def is_json(media: str) -> bool:
    return bool(JSON_TYPES.match(media))


def check(
    contract: Contract,
    *,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    content: bytes | None,
) -> tuple[str, list[str]]:
    """(what was checked, problems) for one response; no problems means it matches.

    A HEAD answer is checked against the GET operation of its path (the schema documents GET
    only; HEAD is the same answer without a body): its status and headers, and no body."""
    method = method.lower()
    operation = contract.operation(method, path)
    if operation is None and method == "head":
        operation = contract.operation("get", path)
        if operation is not None:
            operation = Operation("head", operation.template, operation.spec)
    if operation is None:
        return _check_undocumented(contract, method, path, status, headers, content)
    where = f"{operation.name} -> {status}"
    responses = operation.spec.get("responses", {})
    documented = responses.get(str(status)) or responses.get("default")
    if documented is None:
        if status == 500:  # handler500's envelope: never documented, always the envelope
            return where, _check_json(contract, contract.envelope(), headers, content)
        listed = ", ".join(sorted(responses))
        return where, [f"status {status} is not documented (documented: {listed})"]
    problems = _check_headers(documented, headers, status)
    if method == "head" or status == 204 or status == 304:
        if content:
            problems.append(f"a {status} answer must have no body, got {len(content)} bytes")
        return where, problems
    media_types = documented.get("content") or {}
    media = media_type(headers.get("Content-Type"))
    if not media_types:
        if content:
            problems.append(f"documented without a body, but the answer has a {media} body")
        return where, problems
    if media not in media_types:
        problems.append(f"content type {media!r} is not documented ({', '.join(media_types)})")
        return where, problems
    schema = media_types[media].get("schema")
    if schema is not None and is_json(media):
        problems += _check_json(contract, schema, headers, content)
    return where, problems


def _check_undocumented(
    contract: Contract,
    method: str,
    path: str,
    status: int,
    headers: dict[str, str],
    content: bytes | None,
) -> tuple[str, list[str]]:
    template = contract.path_of(path)
    where = f"{method.upper()} {template or path} (no documented operation) -> {status}"
    if method == "options" and template is not None:
        return where, []
    if method == "head":  # no GET here either: nothing to answer but an error, with no body
        return where, [] if status >= 400 else [f"answered {status} to HEAD on no operation"]
    if status < 400:
        return where, [f"answered {status}, but the schema documents no such operation"]
    return where, _check_json(contract, contract.envelope(), headers, content)


def _check_json(
    contract: Contract, schema: dict[str, Any], headers: dict[str, str], content: bytes | None
) -> list[str]:
    media = media_type(headers.get("Content-Type"))
    if not is_json(media):
        return [f"expected a JSON body, got content type {media!r}"]
    try:
        body = json.loads(content or b"")
    except ValueError as exc:
        return [f"the body is not JSON ({exc})"]
    return body_errors(contract.validator(schema), body)


def _check_headers(documented: dict[str, Any], headers: dict[str, str], status: int) -> list[str]:
    declared = {name.lower(): spec for name, spec in (documented.get("headers") or {}).items()}
    sent = {name.lower() for name in headers}
    problems = [
        f"header {name} is sent but not documented for {status}"
        for name in HEADERS_THAT_MATTER
        if name.lower() in sent and name.lower() not in declared
    ]
    problems += [
        f"header {name} is documented as required for {status} but not sent"
        for name, spec in declared.items()
        if spec.get("required") and name not in sent
    ]
    return problems


def operations(schema: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in schema.get("paths", {}).items():
        for method, spec in item.items():
            if method in METHODS:
                yield path, method, spec
