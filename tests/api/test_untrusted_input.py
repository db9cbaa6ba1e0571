"""Input that cannot crash: bodies nested too deep, and answers of the wrong shape, are 400s.

Both were 500s (issue 10): Python's JSON decoder raises RecursionError (not a ValueError) on a
body nested ~1,000 deep, which DRF's parser did not catch, on anonymous endpoints too; and a
multiple-choice question's answer of `[["a"]]` or `[{"x": 1}]` reached `set(answer)` in
quiz_authoring._check_question (TypeError: unhashable).
"""

from __future__ import annotations

import json

import pytest

from gigsy.api.parsers import MAX_JSON_DEPTH
from tests.api.test_conventions import assert_envelope
from tests.lms.conftest import build_course, client_for

pytestmark = pytest.mark.django_db


def nested(depth: int, *, leaf: str = "1") -> str:
    """A JSON text `depth` containers deep, alternating lists and objects."""
    opening, closing = [], []
    for level in range(depth):
        if level % 2:
            opening.append('{"k":')
            closing.append("}")
        else:
            opening.append("[")
            closing.append("]")
    return "".join(opening) + leaf + "".join(reversed(closing))


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/token"])
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_body_is_a_400_on_anonymous_endpoints(client, path, depth):
    body = '{"email": ' + nested(depth) + "}"
    response = client.post(path, data=body, content_type="application/json")
    error = assert_envelope(response, 400, "malformed_request")
    assert str(MAX_JSON_DEPTH) in error["message"]


def test_the_limit_is_the_documented_depth(client):
    """At the limit the body is read (and refused by the serializer, a validation error); one
    level more is malformed_request."""
    at_limit = '{"email": ' + nested(MAX_JSON_DEPTH - 1) + "}"  # the outer object is a level
    response = client.post("/api/v1/auth/register", data=at_limit, content_type="application/json")
    assert_envelope(response, 400, "validation_error")

    over = '{"email": ' + nested(MAX_JSON_DEPTH) + "}"
    response = client.post("/api/v1/auth/register", data=over, content_type="application/json")
    assert_envelope(response, 400, "malformed_request")


def test_brackets_inside_strings_do_not_count(client):
    text = "[" * 5_000 + "{" * 5_000
    body = json.dumps({"email": text, "password": text, "display_name": "x"})
    response = client.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert_envelope(response, 400, "validation_error")


def test_a_deep_body_is_refused_on_signed_in_endpoints_too(instructor):
    course = build_course(instructor)
    bank_id = course.quiz.bank_id
    response = client_for(instructor).post(
        f"/api/v1/lms/banks/{bank_id}/questions",
        data='{"kind": "short", "prompt": "?", "answer": ' + nested(5_000) + "}",
        content_type="application/json",
    )
    assert_envelope(response, 400, "malformed_request")


@pytest.mark.parametrize("answer", [[["a"]], [{"x": 1}], [None], [1, 2], ["a", ["b"]]])
def test_a_multiple_choice_answer_of_the_wrong_shape_is_a_400(instructor, answer):
    course = build_course(instructor)
    client = client_for(instructor)
    bank_id = course.quiz.bank_id
    choices = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]
    created = client.post(
        f"/api/v1/lms/banks/{bank_id}/questions",
        {"kind": "multiple", "prompt": "Which?", "choices": choices, "answer": answer},
        format="json",
    )
    error = assert_envelope(created, 400, "validation_error")
    assert "answer" in error["fields"]

    question_id = course.question_ids["multiple"]
    updated = client.patch(
        f"/api/v1/lms/questions/{question_id}", {"answer": answer}, format="json"
    )
    error = assert_envelope(updated, 400, "validation_error")
    assert "answer" in error["fields"]


@pytest.mark.parametrize("answer", [["a"], {"x": 1}, 1])
def test_a_single_choice_answer_of_the_wrong_shape_is_a_400(instructor, answer):
    course = build_course(instructor)
    response = client_for(instructor).patch(
        f"/api/v1/lms/questions/{course.question_ids['single']}", {"answer": answer}, format="json"
    )
    error = assert_envelope(response, 400, "validation_error")
    assert "answer" in error["fields"]


@pytest.mark.parametrize("answer", [[["a"]], [{"x": 1}], {"a": 1}, [True]])
def test_a_learner_answer_of_the_wrong_shape_is_a_400(instructor, learner, answer):
    course = build_course(instructor)
    client = client_for(learner)
    slug = course.course.slug
    assert client.post(f"/api/v1/lms/courses/{slug}/enrollment").status_code == 201
    started = client.post(f"/api/v1/lms/quizzes/{course.quiz.pk}/attempts")
    assert started.status_code == 201, started.content
    attempt_id = started.json()["id"]
    question_id = course.question_ids["multiple"]
    response = client.post(
        f"/api/v1/lms/attempts/{attempt_id}/submit",
        {"answers": {str(question_id): answer}},
        format="json",
    )
    assert_envelope(response, 400, "validation_error")


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1E+999"])
def test_a_number_that_overflows_a_double_is_malformed(client, number):
    """It would decode to infinity, which JSON can't render and jsonb can't store."""
    body = '{"email": "a@example.com", "password": ' + number + "}"
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert_envelope(response, 400, "malformed_request")


def test_the_parser_reads_no_more_than_the_body_limit(settings):
    """Whatever Content-Length said (the middleware refuses a declared length over the limit):
    the parser reads limit + 1 bytes at most and answers 413."""
    from io import BytesIO

    from gigsy.api.parsers import JSONParser, PayloadTooLarge

    settings.MAX_REQUEST_BODY_BYTES = 100
    stream = BytesIO(b'{"a": "' + b"x" * 10_000 + b'"}')
    with pytest.raises(PayloadTooLarge):
        JSONParser().parse(stream)
    assert stream.tell() == 101
    assert JSONParser().parse(BytesIO(b'{"a": "' + b"x" * 80 + b'"}')) == {"a": "x" * 80}


def test_the_documented_depth_is_the_enforced_one():
    from gigsy.errors import ErrorCode

    assert f"more than {MAX_JSON_DEPTH} deep" in ErrorCode.MALFORMED_REQUEST.meaning


@pytest.mark.parametrize("text", ["\\ud800", "x\\udfffy", "\\udc00\\ud800"])
def test_an_unpaired_surrogate_is_malformed(instructor, text):
    """A valid JSON escape that is no Unicode character: jsonb refuses it (a DataError, the 500
    the fuzz test found in a question's answer); CharFields said so, JSONFields did not."""
    course = build_course(instructor)
    body = '{"kind": "short", "prompt": "?", "answer": ["' + text + '"]}'
    response = client_for(instructor).post(
        f"/api/v1/lms/banks/{course.quiz.bank_id}/questions",
        data=body,
        content_type="application/json",
    )
    assert_envelope(response, 400, "malformed_request")


def test_a_surrogate_pair_is_one_character_and_fine(client):
    body = '{"email": "a@example.com", "password": "\\ud83d\\ude00"}'
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert_envelope(response, 401)
