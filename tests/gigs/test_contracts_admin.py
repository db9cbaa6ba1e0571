"""Operators' contract screens: contracts with their milestones inline, a milestone's history,
reviews with whether they are published; all read-only, searchable by a party's email (asked
of accounts), with changelists whose query count does not grow with their rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.gigs.models import Contract, Milestone, Review
from apps.gigs.services.reviews import write_review
from tests.gigs.work import fund, hire, milestones, parties, submit_all

pytestmark = pytest.mark.django_db

ADMIN = "/admin/gigs"


@pytest.fixture
def admin_client(operator: Any) -> Client:
    operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    return client


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_contracts_are_listed_filtered_and_found_by_a_partys_email(
    admin_client, client_user, freelancer, stranger, other_freelancer
):
    cora = hire(client_user, freelancer)
    sam = hire(stranger, other_freelancer, hourly=True)

    listed = admin_client.get(f"{ADMIN}/contract/")
    assert _ids(listed) == {cora.pk, sam.pk}
    assert "Cora Client &lt;cora@example.com&gt;" in listed.content.decode()
    assert _ids(admin_client.get(f"{ADMIN}/contract/?pricing__exact=hourly")) == {sam.pk}
    assert _ids(admin_client.get(f"{ADMIN}/contract/?q=finn@example")) == {cora.pk}
    assert _ids(admin_client.get(f"{ADMIN}/contract/?q=olga")) == {sam.pk}


def test_a_contract_page_shows_its_milestones_read_only(admin_client, client_user, freelancer):
    contract = hire(client_user, freelancer)
    p = parties(contract, client_user, freelancer)
    first = milestones(contract)[0]
    p.ok("client", first, "cancel", {"reason": "Too big"})

    page = admin_client.get(f"{ADMIN}/contract/{contract.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Design (history)" in html and "Build (history)" in html
    assert "30,000 USD (minor units)" in html
    assert "by the client: Too big" in html
    assert 'name="_save"' not in html  # nothing to save: read-only
    posted = admin_client.post(f"{ADMIN}/contract/{contract.pk}/change/", {"status": "cancelled"})
    assert posted.status_code == 403
    contract.refresh_from_db()
    assert contract.status == "active"
    assert admin_client.get(f"{ADMIN}/contract/add/").status_code == 403
    assert admin_client.post(f"{ADMIN}/contract/{contract.pk}/delete/").status_code == 403


def test_a_milestone_page_shows_its_history(admin_client, client_user, freelancer):
    contract = hire(client_user, freelancer)
    p = parties(contract, client_user, freelancer)
    first = milestones(contract)[0]
    fund(p, first)
    p.ok("freelancer", first, "submit", {"note": "See the mock-ups"})

    page = admin_client.get(f"{ADMIN}/milestone/{first.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    for text in ("agreed", "fund", "submit", "See the mock-ups", "freelancer: Finn Freelancer"):
        assert text in html, text
    assert admin_client.post(f"{ADMIN}/milestone/{first.pk}/change/", {}).status_code == 403
    assert Milestone.objects.get(pk=first.pk).status == "submitted"


def test_reviews_are_listed_with_whether_they_are_published(admin_client, client_user, freelancer):
    contract = hire(client_user, freelancer)
    submit_all(parties(contract, client_user, freelancer), approve=True)
    hidden = write_review(contract_id=contract.pk, user=client_user, rating=4, text="Good")

    assert _ids(admin_client.get(f"{ADMIN}/review/?published=no")) == {hidden.pk}
    assert _ids(admin_client.get(f"{ADMIN}/review/?published=yes")) == set()
    write_review(contract_id=contract.pk, user=freelancer, rating=5, text="Great")
    assert len(_ids(admin_client.get(f"{ADMIN}/review/?published=yes"))) == 2
    page = admin_client.get(f"{ADMIN}/review/{hidden.pk}/change/").content.decode()
    assert "Cora Client" in page and "Finn Freelancer" in page
    assert admin_client.post(f"{ADMIN}/review/{hidden.pk}/delete/").status_code == 403
    assert Review.objects.count() == 2


def test_changelists_cost_the_same_whatever_their_length(admin_client, client_user, freelancer):
    def cost(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(path).status_code == 200
        return len(captured)

    contract = hire(client_user, freelancer)
    submit_all(parties(contract, client_user, freelancer), approve=True)
    write_review(contract_id=contract.pk, user=client_user, rating=4, text="")
    pages = (f"{ADMIN}/contract/", f"{ADMIN}/milestone/", f"{ADMIN}/review/")
    before = [cost(path) for path in pages]
    for _ in range(3):
        more = hire(client_user, freelancer)
        submit_all(parties(more, client_user, freelancer), approve=True)
        write_review(contract_id=more.pk, user=client_user, rating=3, text="")
    assert Contract.objects.count() == 4

    assert [cost(path) for path in pages] == before
