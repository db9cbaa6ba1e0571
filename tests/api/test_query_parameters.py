"""Malformed query parameters are the client's mistake: 400 `validation_error` naming them
(docs/decisions/0005). A page past the last one is a 404: that page does not exist."""

from __future__ import annotations

import pytest

from tests.api.test_conventions import assert_envelope
from tests.lms.conftest import client_for

pytestmark = pytest.mark.django_db
CATALOG = "/api/v1/lms/courses"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("page=last", "page"),
        ("page=", "page"),
        ("page=" + "9" * 40, "page"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=-5", "page_size"),
        ("level=expert", "level"),
        ("skill=not%20a%20slug", "skill"),
        ("skill=" + "a" * 61, "skill"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_a_malformed_catalog_parameter_is_a_400_naming_it(api, built, query, field):
    error = assert_envelope(api.get(f"{CATALOG}?{query}"), 400, "validation_error")
    assert list(error["fields"]) == [field]


def test_every_malformed_parameter_is_named_at_once(api, built):
    error = assert_envelope(api.get(f"{CATALOG}?page=x&page_size=y"), 400, "validation_error")
    assert set(error["fields"]) == {"page", "page_size"}


def test_well_formed_parameters_still_work(api, built):
    response = api.get(f"{CATALOG}?page=1&page_size=1&level=beginner&skill=python&q=%20python%20")
    assert response.status_code == 200, response.content
    assert [c["slug"] for c in response.json()["results"]] == [built.course.slug]
    # Unknown parameters are left alone (a cache buster, a tracking tag); an empty value is
    # no filter, as in an HTML form.
    assert api.get(f"{CATALOG}?utm_source=x&_=123&level=&skill=&q=").json()["count"] == 1


def test_a_page_size_over_the_maximum_gives_the_maximum(api, built):
    response = api.get(f"{CATALOG}?page_size=100000")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_page_past_the_last_is_a_404(api, built):
    error = assert_envelope(api.get(f"{CATALOG}?page=2"), 404, "not_found")
    assert "Page 2 does not exist" in error["message"]


def test_a_malformed_page_is_a_400_on_an_authenticated_list_too(built, learner):
    lea = client_for(learner)
    error = assert_envelope(lea.get("/api/v1/lms/enrollments?page=abc"), 400, "validation_error")
    assert list(error["fields"]) == ["page"]


def test_a_malformed_cursor_is_a_400(rf):
    """No endpoint pages by cursor yet: the kernel's paginator is checked directly."""
    from rest_framework.exceptions import ValidationError
    from rest_framework.request import Request

    from gigsy.api.pagination import CursorPagination

    for query in ("cursor=not-base64!", "page_size=0"):
        with pytest.raises(ValidationError) as raised:
            CursorPagination().paginate_queryset([], Request(rf.get(f"/x?{query}")))
        assert set(raised.value.detail) == {query.split("=")[0]}
