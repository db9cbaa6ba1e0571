"""What the generated schema promises a client, by rule: the kernel's error responses on every
operation they apply to (gigsy.api.schema.add_kernel_error_responses), pages as the
`{count, next, previous, results}` envelope (a bare array only with a fixed bound), enums for
fixed sets of values, a question's answer shaped by its kind (a learner's submitted answers a
typed union), request bodies on writes (login included) and request fields with defaults
optional."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.contract.openapi import operations

ENVELOPE = {"$ref": "#/components/schemas/ErrorEnvelope"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def _json_schema(response: dict[str, Any]) -> dict[str, Any] | None:
    return response.get("content", {}).get("application/json", {}).get("schema")


def _needs_sign_in(operation: dict[str, Any]) -> bool:
    security = operation.get("security")
    return bool(security) and {} not in security


def test_kernel_errors_are_on_every_operation_they_apply_to(schema):
    missing = []
    for path, method, operation in operations(schema):
        expected = {"400", "406", "429"}
        if _needs_sign_in(operation):
            expected.add("401")
        if "requestBody" in operation:
            expected |= {"411", "413", "415"}
        if any(p["name"] == "page" for p in operation.get("parameters", [])):
            expected.add("404")
        responses = operation["responses"]
        missing += [f"{method.upper()} {path} {s}" for s in sorted(expected - set(responses))]
        missing += [
            f"{method.upper()} {path} {s} is not the envelope"
            for s, r in responses.items()
            if int(s) >= 400 and _json_schema(r) != ENVELOPE
        ]
    assert missing == []


def test_every_429_documents_retry_after(schema):
    for path, method, operation in operations(schema):
        header = operation["responses"]["429"]["headers"]["Retry-After"]
        assert header["required"] is True, f"{method} {path}"
        assert header["schema"]["type"] == "integer"


def test_the_rule_follows_the_operation_not_a_list():
    """The hook reads the operation only: a new context's operations get the same errors."""
    from gigsy.api.schema import add_kernel_error_responses

    result = {
        "components": {"schemas": {"ErrorEnvelope": {}}},
        "paths": {
            "/api/v1/anything": {
                "get": {"responses": {"200": {}}},
                "post": {
                    "security": [{"jwtAuth": []}],
                    "requestBody": {},
                    "responses": {"201": {}, "409": {"description": "mine"}},
                },
            }
        },
    }
    add_kernel_error_responses(result, None, None, True)
    item = result["paths"]["/api/v1/anything"]
    assert list(item["get"]["responses"]) == ["200", "400", "406", "429"]
    assert list(item["post"]["responses"]) == [
        *("201", "400", "401", "406", "409", "411", "413", "415", "429")
    ]
    assert item["post"]["responses"]["409"] == {"description": "mine"}  # the view's own wins


def test_lists_answer_pages(schema):
    """Every operation taking `page` answers the page envelope, its items typed."""
    pages = 0
    for path, _, operation in operations(schema):
        if not any(p["name"] == "page" for p in operation.get("parameters", [])):
            continue
        pages += 1
        page = _component(schema, _json_schema(operation["responses"]["200"]))
        assert set(page["required"]) == {"count", "next", "previous", "results"}, path
        assert page["properties"]["next"]["nullable"] is True
        assert page["properties"]["results"]["items"]["$ref"], path
    # catalog, teaching, enrollments, banks, gradebook and its quizzes, skills, attempts,
    # certificates
    assert pages >= 9


def test_every_list_is_a_page_or_has_a_fixed_bound(schema):
    """A success body that is a bare array documents its bound (`maxItems`): anything else
    that can grow is a page."""
    unbounded, bounded = [], 0
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            for media in (response.get("content") or {}).values():
                body = media.get("schema") or {}
                if int(status) < 300 and body.get("type") == "array":
                    if "maxItems" in body:
                        bounded += 1
                    else:
                        unbounded.append(f"{method.upper()} {path} {status}")
    assert unbounded == []
    assert bounded >= 1  # a course's instructors


def test_a_course_page_lists_its_instructors_within_the_same_bound(schema):
    from apps.lms.models import MAX_INSTRUCTORS

    instructors = schema["components"]["schemas"]["CoursePageOutput"]["properties"]["instructors"]
    assert instructors["maxItems"] == MAX_INSTRUCTORS
    listed = schema["paths"]["/api/v1/lms/courses/{slug}/instructors"]["get"]["responses"]["200"]
    assert _json_schema(listed)["maxItems"] == MAX_INSTRUCTORS


@pytest.mark.parametrize(
    ("component", "field", "enum"),
    [
        ("CourseListOutput", "level", "LevelEnum"),
        ("CourseListOutput", "status", "CourseStatusEnum"),
        ("CourseDetailOutput", "level", "LevelEnum"),
        ("CourseDetailOutput", "status", "CourseStatusEnum"),
        ("CoursePageOutput", "level", "LevelEnum"),
        ("CoursePageOutput", "status", "CourseStatusEnum"),
        ("EnrollmentOutput", "status", "EnrollmentStatusEnum"),
        ("EnrollmentListOutput", "status", "EnrollmentStatusEnum"),
        ("GradebookRowOutput", "status", "EnrollmentStatusEnum"),
        ("MyEnrollmentOutput", "status", "EnrollmentStatusEnum"),
        ("LessonOutput", "kind", "LessonKindEnum"),
        ("LessonOutlineOutput", "kind", "LessonKindEnum"),
    ],
)
def test_fixed_sets_of_values_are_enums(schema, component, field, enum):
    from apps.lms import models

    prop = schema["components"]["schemas"][component]["properties"][field]
    assert prop.get("allOf", [prop])[0] == {"$ref": f"#/components/schemas/{enum}"}
    choices = {
        "LevelEnum": models.Level,
        "CourseStatusEnum": models.CourseStatus,
        "EnrollmentStatusEnum": models.EnrollmentStatus,
        "LessonKindEnum": models.LessonKind,
    }[enum]
    assert schema["components"]["schemas"][enum]["enum"] == choices.values


def test_submitted_answers_are_a_typed_union(schema):
    """`answers` maps a question id to `string | string[] | boolean` (a generated client gets
    that union, not `unknown`)."""
    submit = schema["paths"]["/api/v1/lms/attempts/{attempt_id}/submit"]["post"]
    body = _component(schema, submit["requestBody"]["content"]["application/json"]["schema"])
    answers = body["properties"]["answers"]
    assert answers["type"] == "object"
    union = answers["additionalProperties"]["oneOf"]
    assert [{k: v for k, v in s.items() if k != "description"} for s in union] == [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "boolean"},
    ]


def test_a_draft_has_no_publication_date(schema):
    course = schema["components"]["schemas"]["CourseListOutput"]
    assert course["properties"]["published_at"]["nullable"] is True


@pytest.mark.parametrize(
    ("component", "kinds"),
    [
        ("QuestionInputRequest", "QuestionInputRequest"),
        ("QuestionReviewOutput", "QuestionReview"),
        ("AttemptQuestionOutput", "AttemptQuestion"),
    ],
)
def test_question_answers_are_shaped_by_kind(schema, component, kinds):
    one_of = schema["components"]["schemas"][component]
    assert one_of["discriminator"]["propertyName"] == "kind"
    mapping = one_of["discriminator"]["mapping"]
    assert set(mapping) == {"single", "multiple", "true_false", "short"}
    answers = {
        kind: _component(schema, {"$ref": ref})["properties"]["answer"]
        for kind, ref in mapping.items()
    }
    assert answers["single"]["type"] == "string"
    assert answers["multiple"]["type"] == "array"
    assert answers["true_false"]["type"] == "boolean"
    assert answers["short"]["type"] == "array"
    kind = _component(schema, {"$ref": mapping["single"]})["properties"]["kind"]
    assert _component(schema, kind.get("allOf", [kind])[0])["enum"] == ["single"]


def test_an_attempt_documents_its_questions_and_review(schema):
    detail = schema["components"]["schemas"]["AttemptDetailOutput"]
    assert "questions" in detail["required"]
    single = schema["components"]["schemas"]["SingleAttemptQuestion"]
    assert {"answer", "your_answer", "points_earned", "explanation"} <= set(single["properties"])
    assert single["properties"]["your_answer"]["nullable"] is True
    for path in ("/api/v1/lms/attempts/{attempt_id}", "/api/v1/lms/attempts/{attempt_id}/submit"):
        (operation,) = [op for p, _, op in operations(schema) if p == path]
        assert _json_schema(operation["responses"]["200"])["$ref"].endswith("AttemptDetailOutput")


def test_login_has_a_request_body(schema):
    login = schema["paths"]["/api/v1/auth/token"]["post"]
    body = _component(schema, login["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["required"]) == {"email", "password"}


def test_request_fields_with_defaults_are_optional(schema):
    register = schema["components"]["schemas"]["RegisterInputRequest"]
    assert "timezone" in register["properties"]
    assert "timezone" not in register["required"]


def test_every_patch_and_put_has_a_request_body(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if method in ("put", "patch") and "requestBody" not in operation
    ]
    assert missing == []
