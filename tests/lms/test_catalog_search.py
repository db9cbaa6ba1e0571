"""Catalog search: every word, the last as a prefix, safe whatever the user types."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from apps.lms import selectors
from apps.lms.models import Course
from apps.lms.rules.search import MAX_TERMS, prefix_tsquery
from apps.lms.services import authoring
from tests.lms.conftest import build_course

LMS = "/api/v1/lms"


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("reac", "reac:*"),
        ("python te", "python & te:*"),
        ("  React,  hooks!  ", "React & hooks:*"),
        ("a & | ! ( ) : * < > ' \\", "a:*"),
        ("x' | 'y", "x & y:*"),
        ("foo:*bar", "foo & bar:*"),
        ("<-> <2>", "2:*"),
        ("été straße", "été & straße:*"),
        ("!!! ()", None),
        ("", None),
    ],
)
def test_only_words_reach_the_tsquery(text: str, query: str | None) -> None:
    assert prefix_tsquery(text) == query


def test_a_long_text_is_bounded() -> None:
    words = [f"w{n}" for n in range(50)]
    built = prefix_tsquery(" ".join(words))
    assert built is not None
    assert built.count("&") == MAX_TERMS - 1


@pytest.fixture
def catalog(db: Any, instructor: Any) -> None:
    react = build_course(instructor, slug="react-basics")
    authoring.update_course(
        course=react.course, user=instructor, title="React Basics", summary="Components"
    )
    build_course(instructor, slug="python-basics")  # "Python Basics", "Learn Python"


def _slugs(api: Any, q: str) -> list[str]:
    response = api.get(f"{LMS}/courses", {"q": q})
    assert response.status_code == 200, response.content
    return sorted(c["slug"] for c in response.json()["results"])


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("reac", ["react-basics"]),
        ("React", ["react-basics"]),
        ("compon", ["react-basics"]),  # the summary too
        ("basics", ["python-basics", "react-basics"]),
        ("basics pyt", ["python-basics"]),
        ("learning python", ["python-basics"]),  # stemmed words still match
        ("rust", []),
        ("the", []),  # only a stop word: nothing to look for
    ],
)
def test_the_last_word_matches_as_a_prefix(catalog: None, api: Any, q: str, found: list[str]):
    assert _slugs(api, q) == found


@pytest.mark.parametrize(
    "q", ["a & | !", "foo:*", "'", "(", "\\", "<->", "!!!", "a:b", "x' | 'y", "&&&", "a<2>b", "*"]
)
def test_tsquery_syntax_typed_by_a_user_is_never_an_error(catalog: None, api: Any, q: str):
    response = api.get(f"{LMS}/courses", {"q": q})
    assert response.status_code == 200, response.content
    assert isinstance(response.json()["count"], int)


def test_search_stays_at_two_queries(
    catalog: None, api: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(2):  # count + page
        assert api.get(f"{LMS}/courses", {"q": "reac"}).json()["count"] == 1


def test_prefix_search_can_use_the_stored_vector_index(catalog: None) -> None:
    """The prefix query is one the GIN index answers (on a table this small the planner
    prefers a scan, so scans are switched off for this transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # undone with the test's transaction
    plan = Course.objects.filter(search_vector=selectors.search_query("python te")).explain()
    assert "lms_course_search_idx" in plan
