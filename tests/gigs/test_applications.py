"""Applications (issue 12): verified learners apply to open gigs with a cover letter and a bid;
one active application per gig and person; the applicant withdraws, the gig's client shortlists
or rejects (accepting: test_applications_hiring.py). Every step and every illegal one, who may
take it, and the events each publishes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.gigs.models import ApplicantBlock, Application, ApplicationStatus, Gig
from apps.gigs.services import applications, gigs, hiring
from tests.gigs.applying import GIGS, apply, error_of, events, post_gig
from tests.gigs.conftest import client_for, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def gig(client_user: Any) -> Gig:
    return post_gig(client_user)


@pytest.fixture
def cora(client_user: Any) -> APIClient:
    return client_for(client_user)


@pytest.fixture
def finn(freelancer: Any) -> APIClient:
    return client_for(freelancer)


def _apply_api(api: APIClient, gig: Gig, **body: Any) -> Any:
    return api.post(
        f"{GIGS}/{gig.pk}/applications",
        {"cover_letter": "I built three bakery sites.", "bid_amount": 45_000} | body,
        format="json",
    )


# --- applying -------------------------------------------------------------------------------------
def test_a_verified_learner_applies_and_the_client_is_told(
    gig: Gig, finn: APIClient, freelancer: Any, client_user: Any
) -> None:
    response = _apply_api(finn, gig)

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(f"{GIGS}/applications/{body['id']}")
    assert body["status"] == "submitted"
    assert body["bid_amount"] == 45_000
    assert body["cover_letter"] == "I built three bakery sites."
    assert body["gig"] == {
        "id": gig.pk,
        "title": "Build a landing page",
        "status": "open",
        "pricing": "fixed",
        "currency": "USD",
    }
    assert body["applicant"] == {
        "id": freelancer.pk,
        "display_name": "Finn Freelancer",
        "rating": {"average": None, "count": 0},
    }
    assert body["contract_id"] is None
    assert body["actions"] == ["withdraw"]
    assert events("application.submitted") == [
        {
            "application_id": str(body["id"]),
            "gig_id": str(gig.pk),
            "gig_title": "Build a landing page",
            "applicant_id": str(freelancer.pk),
            "client_id": str(client_user.pk),
        }
    ]


def test_an_hourly_bid_is_a_rate_in_the_gigs_currency(client_user: Any, finn: APIClient) -> None:
    from tests.gigs.applying import post_hourly_gig

    hourly = post_hourly_gig(client_user, currency="EUR")
    body = _apply_api(finn, hourly, bid_amount=2_500).json()
    assert (body["bid_amount"], body["gig"]["pricing"], body["gig"]["currency"]) == (
        2_500,
        "hourly",
        "EUR",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bid_amount": 0}, "bid_amount"),
        ({"bid_amount": -5}, "bid_amount"),
        ({"bid_amount": "lots"}, "bid_amount"),
        ({"bid_amount": 10**13}, "bid_amount"),
        ({"cover_letter": ""}, "cover_letter"),
        ({"cover_letter": "x" * 10_001}, "cover_letter"),
        ({"currency": "EUR"}, "currency"),  # the gig's currency: not the applicant's to choose
    ],
)
def test_bad_bids_and_letters_are_400(gig: Gig, finn: APIClient, body: Any, field: str) -> None:
    response = _apply_api(finn, gig, **body)
    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert field in error_of(response)["fields"]
    assert not Application.objects.exists()


def test_a_bid_that_is_not_positive_is_refused_by_the_service_too(
    gig: Gig, freelancer: Any
) -> None:
    from gigsy.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        apply(freelancer, gig, bid=0)
    assert refused.value.code == "validation_error"
    assert refused.value.fields == {"bid_amount": ["Must be a positive amount in minor units."]}


def test_one_active_application_per_gig_and_person(gig: Gig, finn: APIClient) -> None:
    first = _apply_api(finn, gig)
    again = _apply_api(finn, gig, bid_amount=40_000)

    assert again.status_code == 409
    assert error_of(again)["code"] == "already_applied"
    assert Application.objects.count() == 1
    assert len(events("application.submitted")) == 1

    # Withdrawn, the person may apply again: a new application.
    assert finn.post(f"{GIGS}/applications/{first.json()['id']}/withdraw").status_code == 200
    third = _apply_api(finn, gig, bid_amount=40_000)
    assert third.status_code == 201
    assert third.json()["id"] != first.json()["id"]


def test_unverified_accounts_and_wrong_roles_cannot_apply(gig: Gig) -> None:
    unverified = get_user_model().objects.create_user(
        "uma@example.com", "correct horse battery staple 42", roles=["learner"]
    )
    client_only = verified(email="cleo@example.com", roles=["client"])

    refused = _apply_api(client_for(unverified), gig)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "email_not_verified")
    refused = _apply_api(client_for(client_only), gig)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "role_required")
    assert error_of(refused)["details"] == {"role": "learner"}
    assert _apply_api(APIClient(), gig).status_code == 401
    assert not Application.objects.exists()


def test_a_client_cannot_apply_to_their_own_gig(stranger: Any) -> None:
    own = post_gig(stranger)  # stranger holds both roles
    refused = _apply_api(client_for(stranger), own)
    assert (refused.status_code, error_of(refused)["code"]) == (409, "own_gig")


def test_only_open_gigs_take_applications(
    client_user: Any, freelancer: Any, finn: APIClient
) -> None:
    draft = gigs.create_gig(
        client=client_user, title="Draft", description="...", budget_amount=1_000, currency="USD"
    )
    cancelled = post_gig(client_user, title="Cancelled")
    gigs.cancel_gig(gig_id=cancelled.pk, user=client_user)
    filled = post_gig(client_user, title="Filled")
    hiring.accept(application_id=apply(verified(roles=["learner"]), filled).pk, user=client_user)

    # A draft and a cancelled gig exist only for their client: 404 to everyone else.
    assert _apply_api(finn, draft).status_code == 404
    assert _apply_api(finn, cancelled).status_code == 404
    assert _apply_api(finn, Gig(pk=999_999)).status_code == 404
    refused = _apply_api(finn, filled)
    assert (refused.status_code, error_of(refused)["code"]) == (409, "gig_not_open")
    assert error_of(refused)["details"] == {"current_status": "in_progress"}
    assert not Application.objects.filter(applicant=freelancer).exists()


def test_a_blocked_person_cannot_apply_to_any_of_the_clients_gigs(
    client_user: Any, freelancer: Any, other_freelancer: Any, finn: APIClient
) -> None:
    first, second = post_gig(client_user), post_gig(client_user, title="Another")
    ApplicantBlock.objects.create(client=client_user, blocked=freelancer)

    for gig in (first, second):
        refused = _apply_api(finn, gig)
        assert (refused.status_code, error_of(refused)["code"]) == (403, "applicant_blocked")
    assert _apply_api(client_for(other_freelancer), first).status_code == 201
    # Another client's gigs are not affected.
    elsewhere = post_gig(verified(email="carl@example.com", roles=["client"]))
    assert _apply_api(finn, elsewhere).status_code == 201


# --- the steps and their state machine ------------------------------------------------------------
ALLOWED = {
    "submitted": ["accept", "reject", "shortlist", "withdraw"],
    "shortlisted": ["accept", "reject", "withdraw"],
    "withdrawn": [],
    "rejected": [],
    "accepted": [],
}
TARGET = {
    "withdraw": "withdrawn",
    "shortlist": "shortlisted",
    "reject": "rejected",
    "accept": "accepted",
}


def _bring_to(status: str, application: Application, client_user: Any, freelancer: Any) -> None:
    if status == "shortlisted":
        applications.shortlist(application_id=application.pk, user=client_user)
    elif status == "withdrawn":
        applications.withdraw(application_id=application.pk, user=freelancer)
    elif status == "rejected":
        applications.reject(application_id=application.pk, user=client_user)
    elif status == "accepted":
        hiring.accept(application_id=application.pk, user=client_user)


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", list(TARGET))
def test_every_step_from_every_status(
    gig: Gig, client_user: Any, freelancer: Any, status: str, action: str
) -> None:
    application = apply(freelancer, gig)
    _bring_to(status, application, client_user, freelancer)
    actor = freelancer if action == "withdraw" else client_user

    response = client_for(actor).post(f"{GIGS}/applications/{application.pk}/{action}")

    application.refresh_from_db()
    if action in ALLOWED[status]:
        assert response.status_code == (201 if action == "accept" else 200), response.content
        assert application.status == TARGET[action]
        assert application.decided_at is not None
        body = response.json()
        shown = body["application"] if action == "accept" else body
        assert shown["status"] == TARGET[action]
        assert shown["actions"] == [] if TARGET[action] != "shortlisted" else ["accept", "reject"]
        assert len(events(f"application.{TARGET[action]}")) == 1
    else:
        assert response.status_code == 409, response.content
        error = error_of(response)
        assert error["code"] == "invalid_transition"
        assert error["details"] == {"current_status": status, "allowed": ALLOWED[status]}
        assert status.replace("_", " ") in error["message"]
        assert application.status == status


def test_the_client_rejects_with_a_reason_the_applicant_sees(
    gig: Gig, client_user: Any, freelancer: Any, finn: APIClient, cora: APIClient
) -> None:
    application = apply(freelancer, gig)
    response = cora.post(
        f"{GIGS}/applications/{application.pk}/reject",
        {"reason": "  We went with a local designer.  "},
        format="json",
    )
    assert response.status_code == 200
    seen = finn.get(f"{GIGS}/applications/{application.pk}").json()
    assert (seen["status"], seen["status_reason"]) == ("rejected", "We went with a local designer.")
    assert seen["actions"] == []
    assert events("application.rejected") == [
        {
            "application_id": str(application.pk),
            "gig_id": str(gig.pk),
            "gig_title": gig.title,
            "applicant_id": str(freelancer.pk),
            "client_id": str(client_user.pk),
        }
    ]
    too_long = cora.post(
        f"{GIGS}/applications/{apply(freelancer, gig).pk}/reject",
        {"reason": "x" * 501},
        format="json",
    )
    assert too_long.status_code == 400


def test_every_step_publishes_its_event_with_the_gig_and_the_parties(
    gig: Gig, client_user: Any, freelancer: Any, other_freelancer: Any
) -> None:
    first = apply(freelancer, gig)
    applications.shortlist(application_id=first.pk, user=client_user)
    applications.withdraw(application_id=first.pk, user=freelancer)
    second = apply(other_freelancer, gig)
    applications.reject(application_id=second.pk, user=client_user, reason="No")

    def payload(application: Application) -> dict[str, str]:
        return {
            "application_id": str(application.pk),
            "gig_id": str(gig.pk),
            "gig_title": "Build a landing page",
            "applicant_id": str(application.applicant_id),
            "client_id": str(client_user.pk),
        }

    assert events("application.submitted") == [payload(first), payload(second)]
    assert events("application.shortlisted") == [payload(first)]
    assert events("application.withdrawn") == [payload(first)]
    assert events("application.rejected") == [payload(second)]


# --- who may take which step ----------------------------------------------------------------------
def test_each_side_takes_only_its_own_steps(
    gig: Gig, client_user: Any, freelancer: Any, finn: APIClient, cora: APIClient
) -> None:
    application = apply(freelancer, gig)
    url = f"{GIGS}/applications/{application.pk}"

    for action in ("shortlist", "reject", "accept"):
        refused = finn.post(f"{url}/{action}")
        assert (refused.status_code, error_of(refused)["code"]) == (403, "permission_denied")
    refused = cora.post(f"{url}/withdraw")
    assert (refused.status_code, error_of(refused)["code"]) == (403, "permission_denied")
    application.refresh_from_db()
    assert application.status == "submitted"
    # Seen by each side with the steps that side may take.
    assert finn.get(url).json()["actions"] == ["withdraw"]
    assert cora.get(url).json()["actions"] == ["accept", "reject", "shortlist"]


def test_strangers_get_404_and_operators_see_without_acting(
    gig: Gig, freelancer: Any, stranger: Any, operator: Any
) -> None:
    application = apply(freelancer, gig)
    url = f"{GIGS}/applications/{application.pk}"
    sam, opal = client_for(stranger), client_for(operator)

    assert sam.get(url).status_code == 404
    for action in ("withdraw", "shortlist", "reject", "accept"):
        assert sam.post(f"{url}/{action}").status_code == 404
    assert sam.get(f"{GIGS}/applications/999999").status_code == 404

    seen = opal.get(url)
    assert seen.status_code == 200
    assert seen.json()["actions"] == []
    for action in ("withdraw", "shortlist", "reject", "accept"):
        assert opal.post(f"{url}/{action}").status_code == 403
    assert APIClient().get(url).status_code == 401
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_gigs_applications_are_its_clients_to_list(
    gig: Gig,
    client_user: Any,
    freelancer: Any,
    other_freelancer: Any,
    stranger: Any,
    operator: Any,
    cora: APIClient,
    finn: APIClient,
) -> None:
    first = apply(freelancer, gig)
    second = apply(other_freelancer, gig, bid=30_000)
    applications.shortlist(application_id=second.pk, user=client_user)
    url = f"{GIGS}/{gig.pk}/applications"

    listed = cora.get(url).json()
    assert listed["count"] == 2
    assert [(r["id"], r["applicant"]["display_name"]) for r in listed["results"]] == [
        (second.pk, "Olga Other"),
        (first.pk, "Finn Freelancer"),
    ]
    shortlisted = cora.get(url, {"status": "shortlisted"}).json()
    assert [r["id"] for r in shortlisted["results"]] == [second.pk]
    assert cora.get(url, {"status": "hired"}).status_code == 400

    assert client_for(operator).get(url).json()["count"] == 2
    # The gig is public; its applications are not: 403 for the applicant and others alike.
    assert finn.get(url).status_code == 403
    assert client_for(stranger).get(url).status_code == 403
    assert APIClient().get(url).status_code == 401
    draft = gigs.create_gig(
        client=client_user, title="Draft", description="...", budget_amount=1_000, currency="USD"
    )
    assert client_for(stranger).get(f"{GIGS}/{draft.pk}/applications").status_code == 404
    assert cora.get(f"{GIGS}/{draft.pk}/applications").json()["count"] == 0


def test_my_applications_are_mine_alone(
    gig: Gig, client_user: Any, freelancer: Any, other_freelancer: Any, finn: APIClient
) -> None:
    other_gig = post_gig(client_user, title="Logo")
    mine_first = apply(freelancer, gig)
    mine_second = apply(freelancer, other_gig)
    apply(other_freelancer, gig)
    applications.reject(application_id=mine_first.pk, user=client_user, reason="Filled")

    listed = finn.get(f"{GIGS}/applications/mine").json()
    assert [r["id"] for r in listed["results"]] == [mine_second.pk, mine_first.pk]
    assert [r["gig"]["title"] for r in listed["results"]] == ["Logo", "Build a landing page"]
    rejected = finn.get(f"{GIGS}/applications/mine", {"status": "rejected"}).json()
    assert [(r["id"], r["status_reason"]) for r in rejected["results"]] == [
        (mine_first.pk, "Filled")
    ]
    assert client_for(other_freelancer).get(f"{GIGS}/applications/mine").json()["count"] == 1


# --- the gig's end rejects what is still open -----------------------------------------------------
def test_cancelling_a_gig_rejects_its_open_applications(
    gig: Gig, client_user: Any, freelancer: Any, other_freelancer: Any, stranger: Any
) -> None:
    waiting = apply(freelancer, gig)
    shortlisted = apply(other_freelancer, gig)
    applications.shortlist(application_id=shortlisted.pk, user=client_user)
    gone = apply(stranger, gig)
    applications.withdraw(application_id=gone.pk, user=stranger)

    gigs.cancel_gig(gig_id=gig.pk, user=client_user)

    statuses = dict(Application.objects.values_list("pk", "status"))
    assert statuses == {waiting.pk: "rejected", shortlisted.pk: "rejected", gone.pk: "withdrawn"}
    assert {
        r.status_reason for r in Application.objects.filter(status=ApplicationStatus.REJECTED)
    } == {"gig cancelled"}
    assert sorted(e["application_id"] for e in events("application.rejected")) == sorted(
        [str(waiting.pk), str(shortlisted.pk)]
    )


def test_reject_open_applications_does_nothing_twice(
    gig: Gig, freelancer: Any, other_freelancer: Any
) -> None:
    apply(freelancer, gig)
    apply(other_freelancer, gig)
    assert applications.reject_open_applications(gig=gig, reason="gig closed") == 2
    assert applications.reject_open_applications(gig=gig, reason="gig closed") == 0
    assert len(events("application.rejected")) == 2
