"""Operators' dispute screens (admin/disputes.py): the queue of open disputes, oldest first;
a dispute's page with the evidence; the resolve form whose key makes a double submit resolve
once; read-only once resolved."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from apps.gigs.models import Dispute, JournalEntry, MoneyAudit
from apps.gigs.services import disputes
from gigsy.idempotency import user_scope
from gigsy.idempotency.forms import run_once
from tests.gigs.money import balanced_at_end
from tests.gigs.test_disputes import fund, held
from tests.gigs.work import hire, milestones

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("balanced_at_end")]
__all__ = ["balanced_at_end"]

ADMIN = "/admin/gigs/dispute"
HIDDEN_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fee_percent(settings: Any) -> None:
    settings.GIGS_PLATFORM_FEE_PERCENT = 10


@pytest.fixture
def admin_client(operator: Any) -> Client:
    operator.is_superuser = True
    operator.save()
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def opened(client_user: Any, freelancer: Any) -> list[Dispute]:
    """Two open disputes on one contract, the second opened a day before the first."""
    contract = hire(client_user, freelancer)
    found = []
    for milestone, who in zip(milestones(contract), (client_user, freelancer), strict=True):
        fund(milestone)
        found.append(
            disputes.open_dispute(
                contract_id=contract.pk,
                milestone_id=milestone.pk,
                user=who,
                reason=f"Dispute about {milestone.title}",
            )
        )
    Dispute.objects.filter(pk=found[1].pk).update(opened_at=timezone.now() - timedelta(days=1))
    return found


def _resolve_page(admin_client: Client, dispute: Dispute) -> tuple[str, str]:
    page = admin_client.get(f"{ADMIN}/{dispute.pk}/resolve/")
    assert page.status_code == 200
    html = page.content.decode()
    match = HIDDEN_KEY.search(html)
    assert match, html
    return html, match.group(1)


def test_the_queue_lists_open_disputes_oldest_first(admin_client, opened, operator):
    first, second = opened
    disputes.resolve_dispute(
        dispute_id=second.pk,
        operator=operator,
        freelancer_amount=10_000,
        client_amount=10_000,
        reason="Even.",
    )
    listed = admin_client.get(f"{ADMIN}/")
    assert listed.status_code == 200
    assert [d.pk for d in listed.context["cl"].result_list] == [first.pk, second.pk]
    open_only = admin_client.get(f"{ADMIN}/?status__exact=open")
    assert [d.pk for d in open_only.context["cl"].result_list] == [first.pk]
    html = listed.content.decode()
    assert "30,000 USD (minor units)" in html and "client: Cora Client" in html


def test_a_disputes_page_shows_the_evidence_read_only(admin_client, opened):
    first, _ = opened

    page = admin_client.get(f"{ADMIN}/{first.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Dispute about Design" in html  # the reason, and the history's note
    assert "dispute-evidence" in html and "agreed" in html
    assert f"{ADMIN}/{first.pk}/resolve/" in html
    assert 'name="_save"' not in html
    assert (
        admin_client.post(f"{ADMIN}/{first.pk}/change/", {"status": "resolved"}).status_code == 403
    )
    assert admin_client.post(f"{ADMIN}/{first.pk}/delete/").status_code == 403
    first.refresh_from_db()
    assert first.status == "open"


def test_a_double_submit_of_the_resolve_form_resolves_once(admin_client, opened, freelancer):
    first, _ = opened
    html, key = _resolve_page(admin_client, first)
    assert "Dispute about Design" in html and "30,000 USD" in html
    form = {
        "idempotency_key": key,
        "freelancer_amount": "20000",
        "client_amount": "10000",
        "reason": "Two thirds were delivered.",
    }

    done = admin_client.post(f"{ADMIN}/{first.pk}/resolve/", form)
    # The same page sent again (a double click, a resubmitted form) finds it done; the page
    # now redirects as read-only, so the second submit goes straight to run_once's record.
    again = admin_client.post(f"{ADMIN}/{first.pk}/resolve/", form)

    assert done.status_code == 302 and done["Location"].endswith(f"{ADMIN}/{first.pk}/change/")
    assert again.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.freelancer_amount, first.client_amount) == (
        "resolved",
        20_000,
        10_000,
    )
    assert JournalEntry.objects.filter(kind="dispute_resolve").count() == 1
    assert MoneyAudit.objects.count() == 1
    assert held(first.milestone) == 0
    assert "read-only" in " ".join(m.message for m in get_messages(again.wsgi_request))


def test_two_submits_racing_past_the_page_resolve_once(admin_client, opened, operator):
    """Both submits find the dispute open (the second read before the first committed): the
    form's key makes the second a no-op, told it was already done."""
    first, _ = opened
    _, key = _resolve_page(admin_client, first)
    terms = {"freelancer_amount": 15_000, "client_amount": 15_000, "reason": "Even."}
    runs = [
        run_once(
            key=key,
            scope=user_scope(str(operator.pk)),
            fn=lambda: disputes.resolve_dispute(dispute_id=first.pk, operator=operator, **terms),
            operation="gigs.resolve_dispute",
        )
        for _ in range(2)
    ]

    assert [r.ran for r in runs] == [True, False]
    assert "already submitted" in runs[1].message
    assert MoneyAudit.objects.count() == 1


def test_a_split_that_does_not_add_up_is_shown_again_and_resolves_nothing(admin_client, opened):
    first, _ = opened
    _, key = _resolve_page(admin_client, first)

    page = admin_client.post(
        f"{ADMIN}/{first.pk}/resolve/",
        {
            "idempotency_key": key,
            "freelancer_amount": "20000",
            "client_amount": "20000",
            "reason": "Too much.",
        },
    )

    assert page.status_code == 200
    assert "must add up to 30,000" in page.content.decode()
    first.refresh_from_db()
    assert first.status == "open" and not MoneyAudit.objects.exists()


def test_a_resolved_dispute_has_no_form(admin_client, opened, operator):
    first, _ = opened
    disputes.resolve_dispute(
        dispute_id=first.pk,
        operator=operator,
        freelancer_amount=0,
        client_amount=30_000,
        reason="Nothing delivered.",
    )

    resolve = admin_client.get(f"{ADMIN}/{first.pk}/resolve/")
    page = admin_client.get(f"{ADMIN}/{first.pk}/change/")

    assert resolve.status_code == 302
    html = page.content.decode()
    assert "Resolved: read-only." in html and f"{first.pk}/resolve/" not in html
    assert "Nothing delivered." in html and "30,000 USD (minor units) refunded" in html
