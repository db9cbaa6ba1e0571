"""Errors inside lists and nested objects come back flat, keyed by their dotted path, so the
envelope keeps one shape (`fields: {path: [messages]}`) that the schema documents."""

from __future__ import annotations

from typing import Any

from tests.lms.conftest import BuiltCourse, client_for


def test_an_error_inside_a_list_is_keyed_by_its_index(instructor: Any) -> None:
    response = client_for(instructor).post(
        "/api/v1/lms/courses",
        {"title": "Paths", "prerequisites": ["fine-slug", "not a slug", None]},
        format="json",
    )
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"prerequisites.1", "prerequisites.2"}
    assert all(isinstance(m, str) for messages in fields.values() for m in messages)


def test_an_error_inside_a_nested_object_is_keyed_by_its_path(
    built: BuiltCourse, instructor: Any
) -> None:
    response = client_for(instructor).post(
        f"/api/v1/lms/banks/{built.quiz.bank_id}/questions",
        {
            "kind": "single",
            "prompt": "Pick",
            "choices": [{"id": "a", "text": "A"}, {"x": ""}],
            "answer": "a",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    fields = response.json()["error"]["fields"]
    assert "choices.1.id" in fields and "choices.1.text" in fields
    assert not any(key.startswith("choices.0") for key in fields)
