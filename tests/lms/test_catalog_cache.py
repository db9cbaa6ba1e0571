"""The catalog is served from Redis between course changes, and never older than the last one."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from apps.lms import catalog_cache
from apps.lms.models import Course
from apps.lms.services import authoring
from tests.lms.conftest import build_course, client_for

pytestmark = pytest.mark.django_db
LMS = "/api/v1/lms"


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["slug"] for c in response.json()["results"]]


def test_a_repeated_page_costs_no_query(built, api, django_assert_num_queries):
    first = api.get(f"{LMS}/courses?page_size=5")
    with django_assert_num_queries(0):
        again = api.get(f"{LMS}/courses?page_size=5")
    assert again.json() == first.json()
    with django_assert_num_queries(2):  # another URL is another page
        api.get(f"{LMS}/courses?page_size=6")


def test_publishing_shows_at_once(built, instructor, api):
    assert _slugs(api.get(f"{LMS}/courses")) == ["python-basics"]
    build_course(instructor, slug="rust-basics")
    assert set(_slugs(api.get(f"{LMS}/courses"))) == {"python-basics", "rust-basics"}


def test_edits_and_archiving_show_at_once(built, instructor, api):
    api.get(f"{LMS}/courses")
    authoring.update_course(course=built.course, user=instructor, title="Python, Gently")
    assert api.get(f"{LMS}/courses").json()["results"][0]["title"] == "Python, Gently"

    authoring.archive_course(course=built.course, user=instructor)
    assert _slugs(api.get(f"{LMS}/courses")) == []


def test_a_change_made_outside_the_services_retires_pages_too(built, api):
    api.get(f"{LMS}/courses")
    course = Course.objects.get(pk=built.course.pk)
    course.summary = "Changed by an operator"
    course.save()  # as the admin's change form does
    assert api.get(f"{LMS}/courses").json()["results"][0]["summary"] == "Changed by an operator"


def test_pages_built_during_a_transaction_are_retired_by_its_commit(built):
    """A page built from data read before a commit is not served after it."""
    built_pages: list[str] = []

    def build() -> dict:
        built_pages.append("built")
        return {"n": len(built_pages)}

    url = "http://testserver/api/v1/lms/courses"
    assert catalog_cache.page(url=url, build=build) == {"n": 1}
    catalog_cache._bump()  # what the commit hook of a course change runs
    assert catalog_cache.page(url=url, build=build) == {"n": 2}
    assert catalog_cache.page(url=url, build=build) == {"n": 2}


def test_a_lost_version_counter_does_not_revive_old_pages(built):
    url = "http://testserver/api/v1/lms/courses?page=1"
    catalog_cache.page(url=url, build=lambda: {"old": True})
    cache.delete(catalog_cache.VERSION_KEY)  # evicted
    assert catalog_cache.page(url=url, build=lambda: {"old": False}) == {"old": False}


def test_the_cache_can_be_switched_off(built, api, settings, django_assert_num_queries):
    settings.LMS_CATALOG_CACHE_SECONDS = 0
    api.get(f"{LMS}/courses")
    with django_assert_num_queries(2):
        api.get(f"{LMS}/courses")


def test_bad_input_is_never_cached(built, api):
    assert api.get(f"{LMS}/courses?page=99").status_code == 404
    assert api.get(f"{LMS}/courses?page=99").status_code == 404
    assert api.get(f"{LMS}/courses?level=expert").status_code == 400


def test_a_learner_sees_the_same_catalog(built, learner, api):
    assert _slugs(client_for(learner).get(f"{LMS}/courses")) == _slugs(api.get(f"{LMS}/courses"))
