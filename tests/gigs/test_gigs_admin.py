"""Operators' gig screen: filters, search by the client's email (asked of accounts), read-only
money, closing with a reason through the service, a changelist whose query count does not
grow with its rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.gigs.models import Gig
from tests.gigs.conftest import verified
from tests.gigs.gig_helpers import application, data_of, make_gig

pytestmark = pytest.mark.django_db

GIGS_ADMIN = "/admin/gigs/gig/"


@pytest.fixture
def admin_client(operator: Any) -> Client:
    operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    return client


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200
    return {gig.pk for gig in response.context["cl"].result_list}


def test_filters_and_search(admin_client, client_user, stranger):
    fixed = make_gig(client_user, title="Logo")
    hourly = make_gig(
        stranger,
        title="API work",
        pricing="hourly",
        hourly_rate=3_000,
        weekly_hours_cap=10,
        currency="EUR",
    )
    draft = make_gig(client_user, publish=False, title="Draft idea")

    assert _ids(admin_client.get(f"{GIGS_ADMIN}?status__exact=draft")) == {draft.pk}
    assert _ids(admin_client.get(f"{GIGS_ADMIN}?pricing__exact=hourly")) == {hourly.pk}
    assert _ids(admin_client.get(f"{GIGS_ADMIN}?currency__exact=USD")) == {fixed.pk, draft.pk}
    assert _ids(admin_client.get(f"{GIGS_ADMIN}?q=logo")) == {fixed.pk}
    # The client's email, asked of accounts.
    assert _ids(admin_client.get(f"{GIGS_ADMIN}?q=cora@example")) == {fixed.pk, draft.pk}


def test_the_change_page_is_read_only(admin_client, client_user):
    gig = make_gig(client_user, budget_amount=12_345)
    page = admin_client.get(f"{GIGS_ADMIN}{gig.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "12,345 USD (minor units)" in html
    assert 'name="budget_amount"' not in html and 'name="title"' not in html
    # A crafted POST changes nothing either.
    admin_client.post(f"{GIGS_ADMIN}{gig.pk}/change/", {"budget_amount": 1, "title": "x"})
    gig.refresh_from_db()
    assert (gig.budget_amount, gig.title) == (12_345, "Build a landing page")
    assert admin_client.get(f"{GIGS_ADMIN}add/").status_code == 403


def test_closing_asks_for_a_reason_then_closes_through_the_service(
    admin_client, client_user, freelancer
):
    gig = make_gig(client_user)
    waiting = application(gig, freelancer)
    draft = make_gig(client_user, publish=False, title="Draft")
    selected = {"action": "close_gigs", "_selected_action": [gig.pk, draft.pk]}

    asked = admin_client.post(GIGS_ADMIN, selected)
    assert asked.status_code == 200
    assert asked.templates[0].name == "admin/gigs/gig/close_gigs.html"
    assert Gig.objects.get(pk=gig.pk).status == "open"

    done = admin_client.post(GIGS_ADMIN, {**selected, "apply": "1", "reason": "Spam"})

    assert done.status_code == 302
    gig.refresh_from_db()
    assert (gig.status, gig.status_reason) == ("closed", "Spam")
    waiting.refresh_from_db()
    assert waiting.status == "rejected"
    assert Gig.objects.get(pk=draft.pk).status == "draft"  # a draft cannot be closed
    notes = [str(m) for m in get_messages(done.wsgi_request)]
    assert any(f"#{gig.pk}" in n and "Closed" in n for n in notes)
    assert any(f"#{draft.pk}" in n and "Left unchanged" in n for n in notes)
    assert [d["reason"] for d in data_of("gig.closed")] == ["Spam"]


def test_the_changelist_costs_the_same_for_more_rows(admin_client, django_assert_max_num_queries):
    for n in range(3):
        make_gig(verified(email=f"c{n}@example.com", roles=["client"]), title=f"G{n}")
    admin_client.get(GIGS_ADMIN)
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get(GIGS_ADMIN).status_code == 200
    for n in range(3, 30):
        make_gig(verified(email=f"c{n}@example.com", roles=["client"]), title=f"G{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(GIGS_ADMIN).status_code == 200
