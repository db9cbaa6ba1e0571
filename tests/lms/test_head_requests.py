"""HEAD on the public reads (catalog, course page, skills) answers as GET does, for anyone:
the same status and headers (ETag included, so a 304 on If-None-Match too), and no body. The
contract hook checks each HEAD answer against the GET operation's documentation."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.lms.conftest import BuiltCourse, build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


@pytest.mark.parametrize("path", ["/courses", "/courses/python-basics", "/skills"])
def test_an_anonymous_head_answers_like_get_without_a_body(built: BuiltCourse, path: str) -> None:
    anonymous = APIClient()
    got = anonymous.get(f"{LMS}{path}")
    head = anonymous.head(f"{LMS}{path}")

    assert got.status_code == head.status_code == 200
    assert head.content == b""
    for header in ("Content-Type", "ETag", "Vary", "Cache-Control"):
        assert head.get(header) == got.get(header), header


@pytest.mark.parametrize("path", ["/courses", "/courses/python-basics"])
def test_head_revalidates_with_if_none_match(built: BuiltCourse, path: str) -> None:
    anonymous = APIClient()
    etag = anonymous.head(f"{LMS}{path}")["ETag"]
    assert etag
    not_modified = anonymous.head(f"{LMS}{path}", HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag


def test_head_sees_what_get_sees(instructor: Any, learner: Any) -> None:
    draft = build_course(instructor, slug="draft", publish=False)
    url = f"{LMS}/courses/{draft.course.slug}"
    assert APIClient().head(url).status_code == 404
    assert client_for(learner).head(url).status_code == 404
    assert client_for(instructor).head(url).status_code == 200
    # Not a public read: HEAD needs a signed-in caller exactly where GET does.
    assert APIClient().head(f"{LMS}/enrollments").status_code == 401


def test_writes_still_need_a_signed_in_caller(built: BuiltCourse) -> None:
    anonymous = APIClient()
    assert anonymous.post(f"{LMS}/courses", {"title": "x"}, format="json").status_code == 401
    assert anonymous.patch(f"{LMS}/courses/python-basics", {}, format="json").status_code == 401
    assert anonymous.delete(f"{LMS}/courses/python-basics").status_code == 401
