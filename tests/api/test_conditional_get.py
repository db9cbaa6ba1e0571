"""ETag + If-None-Match on the catalog and course pages: a client that has the current body gets
a 304 with no body; any change to what the caller would see changes the tag."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.lms.services import authoring, learning
from gigsy.api.conditional import etag_of, matches
from tests.lms.conftest import build_course, client_for

pytestmark = pytest.mark.django_db
CATALOG = "/api/v1/lms/courses"


def _tagged(response) -> str:
    assert response.status_code == 200, response.content
    etag = response["ETag"]
    assert etag == etag_of(response.content)  # over the exact bytes sent
    assert "Authorization" in response["Vary"]
    assert "no-cache" in response["Cache-Control"]
    return etag


def _not_modified(response, etag: str) -> None:
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "Authorization" in response["Vary"]


def test_the_catalog_answers_304_when_the_client_has_it(api, built):
    etag = _tagged(api.get(CATALOG))
    _not_modified(api.get(CATALOG, HTTP_IF_NONE_MATCH=etag), etag)
    _not_modified(api.get(CATALOG, HTTP_IF_NONE_MATCH=f'"other", W/{etag}'), etag)
    _not_modified(api.get(CATALOG, HTTP_IF_NONE_MATCH="*"), etag)
    assert api.get(CATALOG, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_a_change_to_the_catalog_changes_the_tag(api, built, instructor):
    etag = _tagged(api.get(CATALOG))
    build_course(instructor, slug="rust-basics")
    changed = api.get(CATALOG, HTTP_IF_NONE_MATCH=etag)
    assert _tagged(changed) != etag
    assert changed.json()["count"] == 2
    # Each page and filter has its own body, so its own tag.
    assert _tagged(api.get(f"{CATALOG}?page_size=1")) != _tagged(changed)


def test_revalidating_a_cached_catalog_page_costs_no_query(api, built, django_assert_num_queries):
    etag = _tagged(api.get(CATALOG))
    with django_assert_num_queries(0):
        _not_modified(api.get(CATALOG, HTTP_IF_NONE_MATCH=etag), etag)


def test_a_course_page_is_tagged_per_caller(api, built, learner, instructor):
    url = f"{CATALOG}/{built.course.slug}"
    anonymous = _tagged(api.get(url))
    lea = client_for(learner)
    before = _tagged(lea.get(url))
    _not_modified(lea.get(url, HTTP_IF_NONE_MATCH=before), before)

    learning.enroll(course=built.course, user=learner)
    after = lea.get(url, HTTP_IF_NONE_MATCH=before)
    assert _tagged(after) != before  # my_enrollment appeared
    _not_modified(api.get(url, HTTP_IF_NONE_MATCH=anonymous), anonymous)

    authoring.update_course(course=built.course, user=instructor, title="Python, Gently")
    assert api.get(url, HTTP_IF_NONE_MATCH=anonymous).status_code == 200


def test_a_draft_is_tagged_for_its_instructor_and_404_for_others(api, instructor):
    draft = build_course(instructor, slug="draft-course", publish=False).course
    url = f"{CATALOG}/{draft.slug}"
    etag = _tagged(client_for(instructor).get(url))
    response = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 404  # a tag proves nothing: the draft stays hidden
    assert "ETag" not in response


def test_writes_and_errors_carry_no_tag(api, built, instructor):
    url = f"{CATALOG}/{built.course.slug}"
    edited = client_for(instructor).patch(url, {"summary": "Learn it"}, format="json")
    assert edited.status_code == 200
    assert "ETag" not in edited
    assert "ETag" not in api.get(f"{CATALOG}?page=9")


def test_a_304_keeps_the_request_id_and_cors_headers(api, built, settings):
    origin = settings.CORS_ALLOWED_ORIGINS[0]
    etag = _tagged(api.get(CATALOG))
    response = api.get(CATALOG, HTTP_IF_NONE_MATCH=etag, HTTP_ORIGIN=origin, HTTP_X_REQUEST_ID="r1")
    assert response.status_code == 304
    assert response["X-Request-ID"] == "r1"
    assert response["Access-Control-Allow-Origin"] == origin
    assert "etag" in response["Access-Control-Expose-Headers"].lower()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
        ("", False),
    ],
)
def test_if_none_match_uses_weak_comparison(header, expected):
    assert matches(header, '"abc"') is expected


def test_the_schema_documents_the_conditional_get():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ("/api/v1/lms/courses", "/api/v1/lms/courses/{slug}"):
        operation = paths[path]["get"]
        assert "content" not in operation["responses"]["304"]
        for status in ("200", "304"):
            assert operation["responses"][status]["headers"]["ETag"]["required"] is True
        names = {(p["in"], p["name"]) for p in operation["parameters"]}
        assert ("header", "If-None-Match") in names
