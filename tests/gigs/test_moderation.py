"""Moderation (issue 12): anyone signed in reports a gig (scam, spam, offensive) once while the
report is open; operators work the queue in the admin, dismissing reports or closing the gig with
a reason its client sees (every open report of the gig is then actioned); a client blocks a
person who applied to their gigs from applying again, and unblocks them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from apps.gigs.models import (
    ApplicantBlock,
    Application,
    ApplicationStatus,
    Gig,
    GigStatus,
    Report,
    ReportStatus,
)
from apps.gigs.services import applications, gigs, moderation
from gigsy.errors import ForbiddenError
from gigsy.events.models import OutboxEvent
from tests.gigs.conftest import client_for, verified
from tests.gigs.work import fund_now

pytestmark = pytest.mark.django_db

QUEUE = "/admin/gigs/report/"


def post_gig(client: Any, *, title: str = "Build a landing page", publish: bool = True) -> Gig:
    return gigs.create_gig(
        client=client,
        publish=publish,
        title=title,
        description="A **simple** page for a bakery.",
        budget_amount=50_000,
        currency="USD",
    )


def report(user: Any, gig: Gig, reason: str = "scam", details: str = "Asks for a fee.") -> Any:
    return client_for(user).post(
        f"/api/v1/gigs/{gig.pk}/reports", {"reason": reason, "details": details}, format="json"
    )


def events(event_type: str) -> list[dict[str, Any]]:
    rows = OutboxEvent.objects.filter(event_type=event_type).order_by("id")
    return [json.loads(bytes(row.payload))["data"] for row in rows]


@pytest.fixture
def gig(client_user: Any) -> Gig:
    return post_gig(client_user)


@pytest.fixture
def admin_operator(db: Any) -> Any:
    return verified(email="root@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def admin(admin_operator: Any) -> Client:
    client = Client()
    client.force_login(admin_operator)
    return client


def run_action(admin: Client, action: str, reports: list[Report], reason: str | None) -> Any:
    """Post an admin action on the queue: the reason page first, then (with a reason) its
    submit, as the browser does."""
    body: dict[str, Any] = {"action": action, "_selected_action": [r.pk for r in reports]}
    if reason is not None:
        body |= {"apply": "1", "reason": reason}
    return admin.post(QUEUE, body)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- reporting ------------------------------------------------------------------------------------


def test_a_signed_in_user_reports_a_gig_once_while_it_is_open(gig: Gig, stranger: Any) -> None:
    response = report(stranger, gig, details="They ask for a deposit first.")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["gig_id"] == gig.pk
    assert body["reason"] == "scam"
    assert body["status"] == "open"
    assert body["details"] == "They ask for a deposit first."
    assert body["handled_at"] is None
    assert response["Location"] == f"http://testserver/api/v1/gigs/reports/{body['id']}"
    assert client_for(stranger).get(response["Location"]).json() == body

    again = report(stranger, gig, reason="spam")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_reported"
    assert Report.objects.filter(gig=gig).count() == 1


def test_details_are_optional_and_bounded(gig: Gig, stranger: Any, freelancer: Any) -> None:
    api = client_for(stranger)
    bare = api.post(f"/api/v1/gigs/{gig.pk}/reports", {"reason": "spam"}, format="json")
    assert bare.status_code == 201
    assert bare.json()["details"] == ""
    long = report(freelancer, gig, details="x" * 2001)
    assert long.status_code == 400
    assert "details" in long.json()["error"]["fields"]
    unknown = report(freelancer, gig, reason="boring")
    assert unknown.status_code == 400
    assert "reason" in unknown.json()["error"]["fields"]


def test_its_client_cannot_report_their_own_gig(gig: Gig, client_user: Any) -> None:
    response = report(client_user, gig)
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_reporting_needs_a_signed_in_caller_and_a_visible_gig(
    client_user: Any, stranger: Any
) -> None:
    draft = post_gig(client_user, publish=False)
    assert report(stranger, draft).status_code == 404  # a draft exists for its client only
    assert (
        client_for(stranger)
        .post("/api/v1/gigs/999999/reports", {"reason": "spam"}, format="json")
        .status_code
        == 404
    )
    anonymous = Client().post(
        f"/api/v1/gigs/{draft.pk}/reports", {"reason": "spam"}, content_type="application/json"
    )
    assert anonymous.status_code == 401
    assert not Report.objects.exists()


def test_a_report_is_seen_by_its_reporter_and_operators_only(
    gig: Gig, stranger: Any, freelancer: Any, client_user: Any, operator: Any
) -> None:
    report_id = report(stranger, gig).json()["id"]
    url = f"/api/v1/gigs/reports/{report_id}"
    assert client_for(stranger).get(url).status_code == 200
    assert client_for(operator).get(url).status_code == 200
    # Not the gig's client (who reported them is not theirs to know), nor anyone else.
    assert client_for(client_user).get(url).status_code == 404
    assert client_for(freelancer).get(url).status_code == 404

    mine = client_for(stranger).get("/api/v1/gigs/reports").json()
    assert [r["id"] for r in mine["results"]] == [report_id]
    assert client_for(freelancer).get("/api/v1/gigs/reports").json()["count"] == 0


# --- the operators' queue -------------------------------------------------------------------------


def test_the_queue_lists_open_reports_first_oldest_first_with_counts_per_gig(
    admin: Client, client_user: Any, stranger: Any, freelancer: Any, other_freelancer: Any
) -> None:
    scam = post_gig(client_user, title="Send us your bank details")
    quiet = post_gig(client_user, title="A quiet gig")
    first = report(stranger, scam).json()["id"]
    second = report(freelancer, quiet, reason="spam").json()["id"]
    third = report(other_freelancer, scam, reason="offensive").json()["id"]
    moderation.dismiss_report(report_id=second, operator=admin_operator_of(admin), note="fine")

    page = admin.get(QUEUE)
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert [r.pk for r in rows] == [first, third, second]  # open (oldest first), then handled
    assert [r.open_on_gig_count for r in rows] == [2, 2, 0]
    html = page.content.decode()
    assert "Send us your bank details" in html
    assert "Sam &lt;sam@example.com&gt;" in html  # the reporter, named through accounts


def admin_operator_of(admin: Client) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=admin.session["_auth_user_id"])


def test_the_queue_costs_the_same_queries_for_more_reports(
    admin: Client, client_user: Any, django_assert_max_num_queries: Any
) -> None:
    gig = post_gig(client_user)
    admin.get(QUEUE)  # session and content types warmed
    # session, operator, count, filtered count, the page (gigs joined, counts as a subquery),
    # the reporters' names (one accounts query)
    for first, last in ((0, 3), (3, 15)):
        for i in range(first, last):
            report(verified(email=f"r{i}@example.com", roles=["learner"]), gig)
        with django_assert_max_num_queries(6):
            response = admin.get(QUEUE)
        assert len(response.context["cl"].result_list) == last


def test_dismissing_asks_for_a_reason_and_keeps_the_gig(
    admin: Client, gig: Gig, stranger: Any
) -> None:
    report(stranger, gig)
    open_report = Report.objects.get()

    page = run_action(admin, "dismiss_reports", [open_report], reason=None)
    assert page.status_code == 200
    assert b"reports-to-dismiss" in page.content
    assert Report.objects.get().status == ReportStatus.OPEN  # nothing happens before the reason

    done = run_action(admin, "dismiss_reports", [open_report], reason="Legitimate gig.")
    assert done.status_code == 302
    handled = Report.objects.get()
    assert handled.status == ReportStatus.DISMISSED
    assert handled.resolution_note == "Legitimate gig."
    assert handled.handled_at is not None and handled.handled_by_id is not None
    assert Gig.objects.get(pk=gig.pk).status == GigStatus.OPEN
    assert not events("gig.closed")

    # A second submit of the same page changes nothing and says so.
    twice = run_action(admin, "dismiss_reports", [open_report], reason="Again.")
    assert any("Already handled" in m for m in messages_of(twice))
    assert Report.objects.get().resolution_note == "Legitimate gig."
    # Handled, it no longer stops its reporter from reporting the gig again.
    assert report(stranger, gig).status_code == 201


def test_closing_a_gig_actions_all_its_open_reports_and_tells_its_client_why(
    admin: Client,
    gig: Gig,
    client_user: Any,
    stranger: Any,
    freelancer: Any,
    other_freelancer: Any,
) -> None:
    application = applications.apply(
        gig_id=gig.pk, user=other_freelancer, cover_letter="Hire me", bid_amount=40_000
    )
    report(stranger, gig)
    report(freelancer, gig, reason="spam")
    selected = list(Report.objects.filter(reporter=stranger))
    other_gig = post_gig(client_user, title="Another gig")
    report(stranger, other_gig)

    reason = "This gig asks applicants to pay a fee, which our rules forbid."
    done = run_action(admin, "close_gigs", selected, reason=reason)
    assert done.status_code == 302
    assert any("Closed gig(s)" in m and "2 open report(s)" in m for m in messages_of(done)), (
        messages_of(done)
    )

    closed = Gig.objects.get(pk=gig.pk)
    assert closed.status == GigStatus.CLOSED
    assert closed.status_reason == reason
    # Both reports of the gig, the selected one and the other, are actioned with the reason.
    handled = Report.objects.filter(gig=gig)
    assert {r.status for r in handled} == {ReportStatus.ACTIONED}
    assert {r.resolution_note for r in handled} == {reason}
    # The other gig's report waits in the queue.
    assert Report.objects.get(gig=other_gig).status == ReportStatus.OPEN
    [closed_event] = events("gig.closed")
    assert closed_event["gig_id"] == str(gig.pk)
    assert closed_event["reason"] == reason
    # Applications waiting for a decision are rejected.
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.REJECTED

    # The client sees the reason on their gig; everyone else no longer sees the gig.
    own = client_for(client_user).get(f"/api/v1/gigs/{gig.pk}")
    assert own.status_code == 200
    assert own.json()["status"] == "closed"
    assert own.json()["status_reason"] == reason
    assert client_for(stranger).get(f"/api/v1/gigs/{gig.pk}").status_code == 404


def test_a_gig_already_closed_only_has_its_reports_actioned(
    admin_operator: Any, gig: Gig, stranger: Any, freelancer: Any
) -> None:
    report(stranger, gig)
    gigs.close_gig(gig_id=gig.pk, operator=admin_operator, reason="Closed from the gig admin.")
    assert Report.objects.get().status == ReportStatus.OPEN

    result = moderation.close_reported_gig(
        gig_id=gig.pk, operator=admin_operator, reason="Reported as a scam."
    )
    assert (result.closed_now, result.reports_actioned) == (False, 1)
    assert Report.objects.get().status == ReportStatus.ACTIONED
    assert Gig.objects.get(pk=gig.pk).status_reason == "Closed from the gig admin."
    assert len(events("gig.closed")) == 1  # not closed twice


def test_a_gig_that_cannot_be_closed_keeps_its_reports_open(
    admin: Client, client_user: Any, stranger: Any
) -> None:
    gig = post_gig(client_user)
    report(stranger, gig)
    gigs.cancel_gig(gig_id=gig.pk, user=client_user, reason="Found someone")
    done = run_action(admin, "close_gigs", list(Report.objects.all()), reason="Scam.")
    assert any(m.startswith("Not closed: gig #") for m in messages_of(done))
    assert Report.objects.get().status == ReportStatus.OPEN  # dismiss it instead
    assert Gig.objects.get(pk=gig.pk).status == GigStatus.CANCELLED


def test_only_operators_decide_reports(gig: Gig, stranger: Any, client_user: Any) -> None:
    report(stranger, gig)
    report_id = Report.objects.get().pk
    for user in (stranger, client_user):
        with pytest.raises(ForbiddenError):
            moderation.dismiss_report(report_id=report_id, operator=user, note="no")
        with pytest.raises(ForbiddenError):
            moderation.close_reported_gig(gig_id=gig.pk, operator=user, reason="no")
    assert Report.objects.get().status == ReportStatus.OPEN
    assert Gig.objects.get(pk=gig.pk).status == GigStatus.OPEN


def test_reports_are_neither_added_nor_deleted_by_hand(admin: Client, gig: Gig, stranger: Any):
    report(stranger, gig)
    report_id = Report.objects.get().pk
    assert admin.get(f"{QUEUE}add/").status_code == 403
    assert admin.post(f"{QUEUE}{report_id}/delete/", {"post": "yes"}).status_code == 403
    page = admin.get(f"{QUEUE}{report_id}/change/")
    assert page.status_code == 200
    assert b"Asks for a fee." in page.content
    assert Report.objects.filter(pk=report_id).exists()


# --- blocks ---------------------------------------------------------------------------------------


@pytest.fixture
def applied(gig: Gig, freelancer: Any) -> Application:
    return applications.apply(
        gig_id=gig.pk, user=freelancer, cover_letter="Hire me", bid_amount=45_000
    )


def test_a_client_blocks_an_applicant_from_applying_to_any_of_their_gigs(
    client_user: Any, freelancer: Any, applied: Application
) -> None:
    api = client_for(client_user)
    response = api.post("/api/v1/gigs/blocks", {"user_id": freelancer.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["user_id"] == freelancer.pk
    assert response.json()["display_name"] == "Finn Freelancer"
    assert response["Location"] == f"http://testserver/api/v1/gigs/blocks/{freelancer.pk}"
    again = api.post("/api/v1/gigs/blocks", {"user_id": freelancer.pk}, format="json")
    assert again.status_code == 200
    assert ApplicantBlock.objects.count() == 1
    listed = api.get("/api/v1/gigs/blocks").json()
    assert [b["user_id"] for b in listed["results"]] == [freelancer.pk]
    assert api.get(f"/api/v1/gigs/blocks/{freelancer.pk}").status_code == 200

    # The application already made stays for the client to decide.
    assert Application.objects.get(pk=applied.pk).status == ApplicationStatus.SUBMITTED
    # A new gig of the same client: the blocked person cannot apply (the walk in
    # test_access_policy.py sees the same 403 through the API).
    newer = post_gig(client_user, title="Another page")
    with pytest.raises(ForbiddenError) as refused:
        applications.apply(gig_id=newer.pk, user=freelancer, cover_letter="Me", bid_amount=45_000)
    assert refused.value.code == "applicant_blocked"

    assert api.delete(f"/api/v1/gigs/blocks/{freelancer.pk}").status_code == 204
    assert api.get(f"/api/v1/gigs/blocks/{freelancer.pk}").status_code == 404
    assert api.delete(f"/api/v1/gigs/blocks/{freelancer.pk}").status_code == 404
    again = applications.apply(gig_id=newer.pk, user=freelancer, cover_letter="Me", bid_amount=1)
    assert again.status == ApplicationStatus.SUBMITTED


def test_only_people_who_applied_to_the_client_can_be_blocked(
    client_user: Any, stranger: Any, other_freelancer: Any, applied: Application
) -> None:
    api = client_for(client_user)
    for user_id in (other_freelancer.pk, stranger.pk, 999_999):
        response = api.post("/api/v1/gigs/blocks", {"user_id": user_id}, format="json")
        assert response.status_code == 404, user_id
    # Someone else's applicant is not the stranger's to block.
    response = client_for(stranger).post(
        "/api/v1/gigs/blocks", {"user_id": applied.applicant_id}, format="json"
    )
    assert response.status_code == 404
    bad = api.post("/api/v1/gigs/blocks", {"user_id": 0}, format="json")
    assert bad.status_code == 400
    assert not ApplicantBlock.objects.exists()


def test_a_clients_blocks_are_their_own(
    client_user: Any, stranger: Any, freelancer: Any, applied: Application
) -> None:
    client_for(client_user).post("/api/v1/gigs/blocks", {"user_id": freelancer.pk}, format="json")
    other = client_for(stranger)
    assert other.get("/api/v1/gigs/blocks").json()["count"] == 0
    assert other.get(f"/api/v1/gigs/blocks/{freelancer.pk}").status_code == 404
    assert other.delete(f"/api/v1/gigs/blocks/{freelancer.pk}").status_code == 404
    assert ApplicantBlock.objects.count() == 1
    assert Client().get("/api/v1/gigs/blocks").status_code == 401


# --- query budgets --------------------------------------------------------------------------------


def test_my_reports_and_my_blocks_cost_the_same_whatever_their_length(
    client_user: Any, stranger: Any, django_assert_max_num_queries: Any
) -> None:
    reporter, blocker = client_for(stranger), client_for(client_user)
    for api in (reporter, blocker):
        api.get("/api/v1/auth/me")  # the signed-in user cached, as after any first request
    mine = post_gig(client_user, title="Mine")
    for rows in (1, 6):
        while Report.objects.filter(reporter=stranger).count() < rows:
            report(stranger, post_gig(client_user, title=f"Gig {rows}"))
        while ApplicantBlock.objects.filter(client=client_user).count() < rows:
            n = ApplicantBlock.objects.count()
            person = verified(email=f"p{n}@example.com", roles=["learner"], display_name=f"P{n}")
            applications.apply(gig_id=mine.pk, user=person, cover_letter="Me", bid_amount=1_000)
            moderation.block_applicant(client=client_user, user_id=person.pk)
        # the page and its count; blocks: the names in one accounts query
        with django_assert_max_num_queries(2):
            assert reporter.get("/api/v1/gigs/reports").json()["count"] == rows
        with django_assert_max_num_queries(3):
            listed = blocker.get("/api/v1/gigs/blocks").json()
        assert listed["count"] == rows
        assert all(b["display_name"].startswith("P") for b in listed["results"])


def test_reporting_costs_a_fixed_number_of_queries(
    gig: Gig, stranger: Any, django_assert_max_num_queries: Any
) -> None:
    api = client_for(stranger)
    api.get("/api/v1/auth/me")  # the signed-in user cached
    # the transaction and a savepoint around the insert (begin/release each), the gig, the insert
    with django_assert_max_num_queries(6):
        assert (
            api.post(
                f"/api/v1/gigs/{gig.pk}/reports", {"reason": "spam"}, format="json"
            ).status_code
            == 201
        )


def test_closing_a_gig_in_progress_leaves_its_contract_to_the_parties(
    admin_operator: Any, client_user: Any, freelancer: Any, stranger: Any
) -> None:
    """Operators do not act for a party: the contract runs on, and its completion leaves the
    closed gig closed (ADR 0028)."""
    from apps.gigs.models import Contract, ContractStatus, Milestone
    from apps.gigs.services import hiring, milestones

    gig = post_gig(client_user)
    applied = applications.apply(
        gig_id=gig.pk, user=freelancer, cover_letter="Hire me", bid_amount=40_000
    )
    contract = hiring.accept(application_id=applied.pk, user=client_user)
    report(stranger, gig)
    moderation.close_reported_gig(
        gig_id=gig.pk, operator=admin_operator, reason="Off-platform pay."
    )
    assert Gig.objects.get(pk=gig.pk).status == GigStatus.CLOSED
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE

    milestone = Milestone.objects.get(contract=contract)
    ids = {"contract_id": contract.pk, "milestone_id": milestone.pk}
    fund_now(contract, milestone, client_user)
    milestones.submit_milestone(**ids, user=freelancer, note="Done")
    milestones.approve_milestone(**ids, user=client_user)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.COMPLETED
    closed = Gig.objects.get(pk=gig.pk)
    assert (closed.status, closed.status_reason) == (GigStatus.CLOSED, "Off-platform pay.")
