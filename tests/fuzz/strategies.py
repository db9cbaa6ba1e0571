"""Hypothesis strategies for request bodies: arbitrary JSON, JSON shaped like an operation's
documented request body (with any field's value replaced by arbitrary JSON), and raw texts a
JSON decoder has to survive (too deep, truncated, NaN, numbers past a double, invalid UTF-8).

A body is `("json", value)` (sent as `json.dumps(value)`), `("raw", bytes)` (sent as is, as
`application/json`) or `("multipart", dict)` (a form with files, for upload operations).
"""

from __future__ import annotations

import io
from typing import Any

from hypothesis import strategies as st

Body = tuple[str, Any]

# Strings that mean something to some layer: number and constant look-alikes, NUL, a lone
# surrogate (valid JSON escape, not encodable as UTF-8), a right-to-left override, SQL and
# spreadsheet injection, paths, very long texts, a number past Python's int-string limit.
SPECIAL_STRINGS = [
    "",
    " ",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "-0",
    "null",
    "true",
    "0",
    "-1",
    "1.5",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202egnp.exe",
    "' OR 1=1 --",
    "=cmd|' /C calc'!A0",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "%00",
    "ada@example.com",
    "b",
    "single",
    "multiple",
    "short",
    "true_false",
    "beginner",
    "python",
]
SPECIAL_INTS = [
    0,
    1,
    -1,
    2**31 - 1,
    2**31,
    -(2**31) - 1,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**4000,  # 4,001 digits: under Python's int-string limit of 4,300
]
SPECIAL_FLOATS = [0.0, -0.0, 1e308, -1e308, 5e-324, 0.1, 1e16, 2.5]

_characters = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),  # lone surrogates
    st.sampled_from(["\x00", "\u202e", "\ufeff", "'", '"', "\\", "<", "%", "\n", "\t", " "]),
)
# Long texts, built when drawn (a failure's report prints the strategy, not 10 KB of text).
_long_texts = st.sampled_from([("a", 201), ("é", 5001), ("9", 4400), ("😀", 100)]).map(
    lambda pair: pair[0] * pair[1]
)
texts = st.one_of(st.text(_characters, max_size=30), st.sampled_from(SPECIAL_STRINGS), _long_texts)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(SPECIAL_INTS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(SPECIAL_FLOATS),
    texts,
)


def json_values(keys: st.SearchStrategy[str] = texts) -> st.SearchStrategy[Any]:
    """Any JSON value: scalars, lists and objects nested a few levels."""
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=4),
        ),
        max_leaves=12,
    )


def nested(depth: int, leaf: str = "0") -> str:
    """A JSON text `depth` containers deep, lists and objects alternating."""
    opening = "".join('{"k":' if level % 2 else "[" for level in range(depth))
    closing = "".join("}" if level % 2 else "]" for level in reversed(range(depth)))
    return opening + leaf + closing


def _raw_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


raw_bodies: st.SearchStrategy[Body] = st.one_of(
    st.one_of(
        st.integers(min_value=20, max_value=3_000).map(nested),
        st.sampled_from(
            [
                '{"a": NaN}',
                '{"a": Infinity}',
                '{"a": -Infinity}',
                '{"a": 1e400}',
                '{"a": -1e999}',
                '{"a": 1, "a": 2}',
                '{"a": "\\ud800"}',
                '{"a": "\\u0000"}',
                "",
                "null",
                "[]",
                "{",
                '{"a":',
                '"\\',
                "\ufeff{}",
            ]
        ),
        st.text(_characters, max_size=40),
        st.just(4400).map(lambda n: '{"a": ' + "9" * n + "}"),  # past the int-string limit
    ).map(_raw_bytes),
    st.binary(max_size=40),  # invalid UTF-8 too
).map(lambda raw: ("raw", raw))


class SchemaStrategies:
    """Values shaped by the OpenAPI schema (drf-spectacular's), each field possibly replaced by
    arbitrary JSON, so a body passes the serializer often enough to reach the service and
    fails it in every way the rest of the time."""

    def __init__(self, schema: dict[str, Any], extra_strings: list[str]) -> None:
        self.components = schema.get("components", {}).get("schemas", {})
        self.strings = st.one_of(texts, st.sampled_from(extra_strings or [""]))
        self.anything = json_values(self.strings)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[1]]
        return node

    def mutant(self, node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        """The documented shape three times in four, anything else otherwise."""
        return st.one_of(self.shaped(node, depth), self.shaped(node, depth), self.anything)

    def shaped(self, node: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        node = self.resolve(node)
        if depth > 4:
            return self.anything
        strategy = self._shaped(node, depth)
        return st.one_of(st.none(), strategy) if node.get("nullable") else strategy

    def _shaped(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if "enum" in node:
            return st.sampled_from([v for v in node["enum"] if v is not None] or [None])
        for key in ("oneOf", "anyOf"):
            if key in node:
                return st.one_of([self.shaped(option, depth + 1) for option in node[key]])
        if "allOf" in node:
            merged: dict[str, Any] = {}
            for part in node["allOf"]:
                part = self.resolve(part)
                merged = {
                    **merged,
                    **part,
                    "properties": {**merged.get("properties", {}), **part.get("properties", {})},
                    "required": [*merged.get("required", []), *part.get("required", [])],
                }
            return self.shaped(merged, depth + 1)
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            return self._object(node, depth)
        if kind == "array":
            items = self.mutant(node.get("items", {}), depth + 1)
            return st.lists(items, max_size=min(node.get("maxItems", 5), 5))
        if kind == "string":
            return self._string(node)
        if kind == "integer":
            low, high = node.get("minimum"), node.get("maximum")
            return st.integers(
                min_value=int(low) - 1 if low is not None else None,
                max_value=int(high) + 1 if high is not None else None,
            )
        if kind == "number":
            return st.floats(allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        return self.anything  # a JSONField: any value

    def _object(self, node: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        properties = {
            name: spec
            for name, spec in node.get("properties", {}).items()
            if not self.resolve(spec).get("readOnly")
        }
        required = [name for name in node.get("required", []) if name in properties]
        fixed = {name: self.mutant(properties[name], depth + 1) for name in required}
        optional = {
            name: self.mutant(spec, depth + 1)
            for name, spec in properties.items()
            if name not in required
        }
        documented = st.fixed_dictionaries(fixed, optional=optional)
        # Now and then a field too many, or one missing.
        extra = st.dictionaries(self.strings, self.anything, max_size=2)
        return st.one_of(
            documented,
            documented,
            st.tuples(documented, extra).map(lambda pair: {**pair[1], **pair[0]}),
            documented.flatmap(_drop_one),
        )

    def _string(self, node: dict[str, Any]) -> st.SearchStrategy[Any]:
        fmt, limit = node.get("format"), node.get("maxLength")
        plain = st.text(st.characters(), max_size=min(limit or 60, 60))
        options = [plain, self.strings]
        if fmt == "email":
            options.append(st.emails())
        elif fmt == "uri":
            options.append(st.sampled_from(["https://example.com/v.mp4", "javascript:alert(1)"]))
        elif fmt == "date-time":
            options.append(st.datetimes().map(lambda d: d.isoformat()))
        if "pattern" in node:
            options.append(st.from_regex(node["pattern"], fullmatch=True))
        if limit:
            options.append(st.integers(limit, limit + 1).map(lambda n: "x" * n))
        return st.one_of(options)

    def bodies(self, operation: dict[str, Any]) -> st.SearchStrategy[Body]:
        content = operation.get("requestBody", {}).get("content", {})
        names: list[str] = []
        shaped: list[st.SearchStrategy[Body]] = []
        for media, spec in content.items():
            schema = self.resolve(spec.get("schema", {}))
            names += list(schema.get("properties", {}))
            if media == "multipart/form-data":
                shaped += [self._multipart(schema)] * 3
            else:
                documented = self.shaped(schema)
                shaped += [documented.map(_as_json)] * 3
        keys = st.one_of(self.strings, st.sampled_from(names)) if names else self.strings
        return st.one_of(
            *shaped,
            json_values(keys).map(_as_json),
            st.dictionaries(keys, self.anything, max_size=5).map(_as_json),
            raw_bodies,
        )

    def _multipart(self, schema: dict[str, Any]) -> st.SearchStrategy[Body]:
        files = st.builds(
            _upload,
            st.one_of(
                st.text(_characters, min_size=1, max_size=40).map(_utf8),
                st.sampled_from(
                    ["a.pdf", "../../x.mp4", "x.mp4\x00.exe", "é.png", ".", "..", "", "a/"]
                ),
            ),
            st.one_of(
                st.binary(max_size=64),
                st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x18ftypmp4"]),
            ),
        )
        # A form field's text is sent as UTF-8: a lone surrogate can't be (bytes that are not
        # UTF-8 are sent as file contents instead).
        sendable = self.strings.map(_utf8)
        fields = {name: st.one_of(files, sendable) for name in schema.get("properties", {})}
        return st.fixed_dictionaries({}, optional=fields).map(lambda data: ("multipart", data))


def _as_json(value: Any) -> Body:
    return ("json", value)


def _drop_one(value: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    if not value:
        return st.just(value)
    return st.sampled_from(sorted(value)).map(lambda k: {n: v for n, v in value.items() if n != k})


def _utf8(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _upload(name: str, content: bytes) -> Any:
    """A file the test client sends under `name` as is (SimpleUploadedFile would refuse `.`
    on the client's side)."""
    upload = io.BytesIO(content)
    upload.name = name  # type: ignore[attr-defined]
    return upload
